"""Where the deployed tenant resources are: read from the `Stepwise-<env>-Tenants` stack outputs."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from scripts.exit_codes import EXIT_CODES

STACK_NAME = "Stepwise-{env}-Tenants"


class DeploymentNotFound(RuntimeError):
    """The tenants stack (or one of its outputs) could not be found."""


@dataclass(frozen=True)
class Deployment:
    """What the retirement scripts need to know about one environment's tenants stack."""

    table_name: str
    stack_sets: tuple[str, ...]
    suspended_ou_id: str
    quarantine_ou_id: str
    baseline_regions: tuple[str, ...] = ()
    tier_defaults: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_stack(cls, env: str, cloudformation: Any | None = None) -> Deployment:
        """Read the outputs of `Stepwise-<env>-Tenants`."""
        cloudformation = cloudformation or boto3.client("cloudformation")
        name = STACK_NAME.format(env=env)
        try:
            stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
        except ClientError as error:
            raise DeploymentNotFound(f"stack {name} not found: {error}") from None
        outputs = {item["OutputKey"]: item["OutputValue"] for item in stacks[0].get("Outputs", [])}
        needed = ("RegistryTableName", "BaselineStackSets", "SuspendedOuId", "QuarantineOuId")
        missing = [key for key in needed if key not in outputs]
        if missing:
            raise DeploymentNotFound(f"stack {name} lacks the outputs {', '.join(missing)}")
        return cls(
            table_name=outputs["RegistryTableName"],
            stack_sets=tuple(item for item in outputs["BaselineStackSets"].split(",") if item),
            suspended_ou_id=outputs["SuspendedOuId"],
            quarantine_ou_id=outputs["QuarantineOuId"],
            baseline_regions=tuple(item for item in outputs.get("BaselineRegions", "").split(",") if item),
            tier_defaults=json.loads(outputs.get("TierDefaults", "{}")),
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every tenants script shares: which environment, which region, act or not."""
    parser.epilog = EXIT_CODES
    parser.add_argument("--env", default="dev", help="environment whose stack to use (default dev)")
    parser.add_argument("--region", help="AWS region of the tenants stack (default: your profile's)")
    parser.add_argument(
        "--yes", action="store_true", help="act; without it only the plan is printed (dry run)"
    )
