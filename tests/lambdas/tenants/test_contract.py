"""The tenants contract: the error names the state machine uses are the handlers' error classes."""

from __future__ import annotations

import importlib

import pytest
from tenants import contract, reconcile

from shared.errors import TaskError


@pytest.mark.parametrize(
    "name",
    [
        contract.ACCOUNT_REQUEST_UNCONFIRMED,
        contract.ACCOUNT_REQUEST_PENDING,
        contract.EMAIL_BELONGS_TO_ANOTHER_ACCOUNT,
    ],
)
def test_contract_error_names_are_reconcile_task_errors(name: str) -> None:
    error = getattr(reconcile, name, None)
    assert isinstance(error, type) and issubclass(error, TaskError), f"reconcile.{name} is no TaskError"


def test_handler_modules_named_by_the_contract_exist() -> None:
    handlers = (contract.VALIDATE_HANDLER, contract.LOOKUP_HANDLER, contract.RECONCILE_HANDLER)
    for handler in handlers:
        module, function = handler.split(".")
        assert callable(getattr(importlib.import_module(f"tenants.{module}"), function))
