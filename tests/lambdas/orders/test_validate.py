"""Validate handler: the envelope in, the normalized order out, InvalidOrder with the field."""

from __future__ import annotations

import pytest
from orders import validate
from orders.errors import InvalidOrder

from tests.lambdas.orders.conftest import call


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.lambdas.orders.conftest import ENVIRONMENT

    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


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


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_QUANTITY", "2")
    with pytest.raises(InvalidOrder, match=r"^items\[0\]\.quantity: must be between 1 and 2"):
        call(validate.handler, sample())


def test_invalid_order_is_the_named_error() -> None:
    with pytest.raises(InvalidOrder) as raised:
        call(validate.handler, sample(currency="CHF"))
    assert type(raised.value).__name__ == "InvalidOrder"
    assert str(raised.value) == "currency: must be one of EUR, JPY, USD"
