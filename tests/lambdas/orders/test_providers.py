"""PAYMENT_ADAPTER picks the payment adapter; a name no adapter is registered under is a named error."""

from __future__ import annotations

import pytest
from orders.ledger import LedgerAdapter
from orders.providers import adapter_from_environment

from shared.environment import MalformedSetting


def test_the_ledger_is_the_default_adapter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAYMENT_ADAPTER", raising=False)
    monkeypatch.setenv("LEDGER_TABLE", "orders-ledger")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    adapter = adapter_from_environment()
    assert isinstance(adapter, LedgerAdapter)
    assert adapter.table_name == "orders-ledger"


def test_an_unregistered_adapter_is_a_named_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYMENT_ADAPTER", "stripe")
    with pytest.raises(MalformedSetting, match=r"PAYMENT_ADAPTER='stripe' is not one of \['ledger'\]"):
        adapter_from_environment()
