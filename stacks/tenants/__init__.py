"""Tenant provisioning: one AWS account per tenant, created, baselined with StackSets and registered."""
