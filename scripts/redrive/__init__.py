"""Operator tool: list a workflow's unsuccessful executions and redrive them (RedriveExecution).

    python -m scripts.redrive list    --workflow orders [--env dev] [--since 3d]
    python -m scripts.redrive redrive --workflow orders (--execution ARN ... | --all) [--apply]

See `docs/operations.md` ("Redriving executions").
"""
