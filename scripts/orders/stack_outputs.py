"""Find a deployed workflow's resources (the order saga's by default) from its CloudFormation outputs."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError

STACK_TEMPLATE = "Stepwise-{env}-Orders"


class OutputMissing(LookupError):
    """The stack or the output does not exist (not deployed to this account/region?)."""


def stack_output(
    env: str, key: str, *, cloudformation: Any | None = None, template: str = STACK_TEMPLATE
) -> str:
    """The value of output `key` (e.g. `StatusTableName`) of `Stepwise-<env>-Orders` (or `template`)."""
    client = cloudformation or boto3.client("cloudformation")
    name = template.format(env=env)
    try:
        stacks = client.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        raise OutputMissing(f"stack {name} not found: {error}") from None
    for output in stacks[0].get("Outputs", []):
        if output["OutputKey"] == key:
            return str(output["OutputValue"])
    raise OutputMissing(f"stack {name} has no output {key}")
