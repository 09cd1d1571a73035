"""stacks/tenants/functions.py: each task function gets exactly the variables its handler reads."""

from __future__ import annotations

import re
from typing import Any

import pytest

from stacks.common.contracts import handler_contract
from stacks.common.task_function import LAMBDAS_ROOT
from tests.support.synth import resources, template_of

CONTRACT = handler_contract("tenants")
HANDLERS = (CONTRACT.VALIDATE_HANDLER, CONTRACT.LOOKUP_HANDLER, CONTRACT.RECONCILE_HANDLER)
# Set on every task function by PythonTaskFunction, not by the workflow.
PLATFORM_VARIABLE = re.compile(r"^(POWERTOOLS_[A-Z_]+|STEPWISE_ENV)$")
CONTRACT_ENV_NAME = re.compile(r"\b([A-Z][A-Z0-9_]*_ENV)\b")


def contract_variables_read(module: str) -> set[str]:
    """The environment variables `lambdas/tenants/<module>.py` names through the contract."""
    source = (LAMBDAS_ROOT / "tenants" / f"{module}.py").read_text()
    return {getattr(CONTRACT, name) for name in CONTRACT_ENV_NAME.findall(source) if hasattr(CONTRACT, name)}


@pytest.fixture(scope="module")
def variables_by_handler() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for function in resources(template_of("dev", "tenants"), "AWS::Lambda::Function").values():
        properties: dict[str, Any] = function["Properties"]
        variables = properties.get("Environment", {}).get("Variables", {})
        found[properties["Handler"]] = {name for name in variables if not PLATFORM_VARIABLE.match(name)}
    return found


def test_every_contract_handler_is_deployed(variables_by_handler: dict[str, set[str]]) -> None:
    assert set(variables_by_handler) == {f"tenants.{handler}" for handler in HANDLERS}


@pytest.mark.parametrize("handler", HANDLERS)
def test_function_sets_exactly_what_its_handler_reads(
    handler: str, variables_by_handler: dict[str, set[str]]
) -> None:
    read = contract_variables_read(handler.split(".")[0])
    assert read, f"{handler} reads no variable through tenants.contract"
    assert variables_by_handler[f"tenants.{handler}"] == read
