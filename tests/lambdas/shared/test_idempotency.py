"""The idempotency config and persistence layer of an operation are made once per execution environment."""

from __future__ import annotations

from typing import Any

import pytest

from shared import idempotency
from tests.lambdas.orders.conftest import FakeContext


def echo(request: dict[str, Any]) -> dict[str, Any]:
    return request


def test_each_operation_makes_its_persistence_layer_once(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    real = idempotency.DynamoDBPersistenceLayer

    def counting(**kwargs: Any) -> Any:
        made.append(kwargs["table_name"])
        return real(**kwargs)

    monkeypatch.setenv("IDEMPOTENCY_TABLE", "orders-idempotency")
    monkeypatch.setattr(idempotency, "DynamoDBPersistenceLayer", counting)
    idempotency._idempotency.cache_clear()
    for _ in range(3):
        idempotency.once_per(
            echo,
            FakeContext(),
            key_field="orderId",
            key_prefix="probe-charge",
            payload_fields=("amountMinor",),
        )
    assert made == ["orders-idempotency"]
    idempotency.once_per(echo, FakeContext(), key_field="orderId", key_prefix="probe-refund")
    assert made == ["orders-idempotency", "orders-idempotency"]  # Powertools configures a layer once
    idempotency._idempotency.cache_clear()
