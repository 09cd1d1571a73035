"""Each workflow's test world: its deployed data inside a LocalRunner, seeded and checked.

One module per workflow (`orders`, `rag`, `tenants`), one `<Workflow>World` class each.
"""
