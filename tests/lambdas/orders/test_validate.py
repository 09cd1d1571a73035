"""Validate handler: the envelope in, the normalized order without personal data out, the personal
data stored once per owning execution, InvalidOrder with the field (and nothing stored)."""

from __future__ import annotations

import json

import pytest
from orders import validate
from orders.errors import DuplicateOrder, InvalidOrder

from tests.lambdas.orders.conftest import EXECUTION_ID, PERSONAL_DATA_TABLE, Aws, FakeContext, call


@pytest.fixture(autouse=True)
def _account(aws: Aws) -> Aws:
    return aws


def sample(**overrides: object) -> dict[str, object]:
    order: dict[str, object] = {
        "orderId": "o-1",
        "customerId": "c-1",
        "currency": "EUR",
        "payment": {"token": "pm_1"},
        "items": [{"sku": "A", "quantity": 3, "unitPrice": 400}],
        "shippingAddress": {
            "name": "N",
            "line1": "L",
            "city": "Berlin",
            "postalCode": "10115",
            "country": "DE",
        },
    }
    order.update(overrides)
    return order


def test_returns_the_normalized_order_under_order() -> None:
    result = call(validate.handler, sample())
    assert list(result) == ["order"]
    assert result["order"]["totalMinor"] == 120000
    assert result["order"]["total"] == "1200.00"
    assert result["order"]["requiresApproval"] is True


def test_the_personal_data_is_stored_and_left_out_of_the_result(aws: Aws) -> None:
    result = call(validate.handler, sample())
    assert set(result["order"]) == {
        "orderId", "customerId", "currency", "items", "totalMinor", "total", "requiresApproval",
    }  # fmt: skip
    assert "pm_1" not in json.dumps(result) and "Berlin" not in json.dumps(result)
    [item] = aws.scan(PERSONAL_DATA_TABLE)
    assert item["orderId"]["S"] == "o-1" and item["executionId"]["S"] == EXECUTION_ID
    assert item["paymentToken"]["S"] == "pm_1"
    assert item["shippingAddress"]["M"]["city"]["S"] == "Berlin"


def test_a_retry_of_the_same_execution_stores_again_another_execution_is_a_duplicate(aws: Aws) -> None:
    call(validate.handler, sample())
    assert call(validate.handler, sample())["order"]["orderId"] == "o-1"
    other = {"input": sample(payment={"token": "pm_2"}), "executionId": "arn:other", "stateName": "Validate"}
    with pytest.raises(DuplicateOrder, match="o-1 is owned by another execution"):
        validate.handler(other, FakeContext())
    [item] = aws.scan(PERSONAL_DATA_TABLE)
    assert (item["executionId"]["S"], item["paymentToken"]["S"]) == (EXECUTION_ID, "pm_1")


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_QUANTITY", "2")
    with pytest.raises(InvalidOrder, match=r"^items\[0\]\.quantity: must be between 1 and 2"):
        call(validate.handler, sample())


def test_invalid_order_is_the_named_error_and_stores_nothing(aws: Aws) -> None:
    with pytest.raises(InvalidOrder) as raised:
        call(validate.handler, sample(currency="CHF"))
    assert type(raised.value).__name__ == "InvalidOrder"
    assert str(raised.value) == "currency: must be one of EUR, JPY, USD"
    assert aws.scan(PERSONAL_DATA_TABLE) == []
