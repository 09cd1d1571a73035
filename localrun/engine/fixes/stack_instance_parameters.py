"""CreateStackInstances deploys the StackSet's parameters with the ParameterOverrides on top.

moto used only the ParameterOverrides when some were given (the instances lost every other
StackSet parameter); CloudFormation uses the StackSet's parameter values with the overrides on top
(`UsePreviousValue` keeps the StackSet's value).

Upstream: no moto issue found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudformation.models import StackSet

from localrun.engine.overrides import replace

OVERRIDE_KIND = "fix"
OVERRIDE_TEST = "tests/localrun/test_stack_sets.py"


def install() -> None:
    replace(StackSet, "create_stack_instances", _build_create_stack_instances)


def merged_parameters(
    stack_set_parameters: dict[str, str] | None, overrides: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """A stack instance's parameters: the StackSet's values with the instance's overrides on top."""
    values = dict(stack_set_parameters or {})
    for item in overrides or []:
        if item.get("UsePreviousValue") in (True, "true"):
            continue
        values[item["ParameterKey"]] = item["ParameterValue"]
    return [{"ParameterKey": key, "ParameterValue": value} for key, value in values.items()]


def _build_create_stack_instances(original: Callable[..., str]) -> Callable[..., str]:
    def create_stack_instances(
        self: StackSet,
        accounts: list[str],
        regions: list[str],
        deployment_targets: dict[str, Any] | None,
        parameters: list[dict[str, Any]],
    ) -> str:
        existing = {id(instance) for instance in self.stack_instances}
        merged = merged_parameters(self.parameters, parameters)
        operation_id = original(self, accounts, regions, deployment_targets, merged)
        for instance in self.stack_instances:
            if id(instance) not in existing:  # DescribeStackInstance reports the overrides only
                instance.parameters = list(parameters or [])
        return operation_id

    return create_stack_instances
