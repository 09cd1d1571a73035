"""Validate handler: the envelope in, the catalog-priced order without personal data out, the personal
data stored once per owning execution, the order counted in its customer's spend window; refusals
named (InvalidOrder with the field, PriceChanged, UnknownSku, InactiveSku, PaymentMethodNotOwned)
with nothing stored."""

from __future__ import annotations

import json

import pytest
from orders import validate
from orders.errors import (
    DuplicateOrder,
    InactiveSku,
    InvalidOrder,
    PaymentMethodNotOwned,
    PriceChanged,
    SpendRecordUnavailable,
    UnknownSku,
)

from tests.lambdas.orders.conftest import (
    EXECUTION_ID,
    PERSONAL_DATA_TABLE,
    SPEND_TABLE,
    Aws,
    FakeContext,
    call,
)


@pytest.fixture(autouse=True)
def _account(aws: Aws) -> Aws:
    aws.put_product("A", 40_000, currency="EUR")
    aws.put_product("B", 30_000, currency="EUR")
    aws.put_product("GONE", 100, currency="EUR", active=False)
    aws.put_account("pm_1", 10_000_000, currency="EUR", customer_id="c-1")
    aws.put_account("pm_2", 10_000_000, currency="EUR", customer_id="c-1")
    aws.put_account("pm_other", 10_000_000, currency="EUR", customer_id="c-2")
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


def test_returns_the_catalog_priced_order_under_order() -> None:
    result = call(validate.handler, sample())
    assert list(result) == ["order"]
    assert result["order"]["items"] == [{"sku": "A", "quantity": 3, "unitPriceMinor": 40_000}]
    assert result["order"]["totalMinor"] == 120000
    assert result["order"]["total"] == "1200.00"
    assert result["order"]["requiresApproval"] is True
    assert result["order"]["approvalReason"] == "ORDER_TOTAL"


def test_the_personal_data_is_stored_and_left_out_of_the_result(aws: Aws) -> None:
    result = call(validate.handler, sample())
    assert set(result["order"]) == {
        "orderId", "customerId", "currency", "items", "totalMinor", "total", "requiresApproval",
        "approvalReason", "spendInWindow",
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


def test_split_orders_reach_approval_through_the_customers_window(aws: Aws) -> None:
    def submit(order_id: str, execution: str) -> dict[str, object]:
        event = {
            "input": sample(orderId=order_id, items=[{"sku": "B", "quantity": 2}]),
            "executionId": execution,
            "stateName": "Validate",
        }
        return validate.handler(event, FakeContext())["order"]  # type: ignore[no-any-return]

    first = submit("o-1", "arn:e-1")
    assert (first["requiresApproval"], first["approvalReason"], first["spendInWindow"]) == (
        False,
        "NONE",
        "600.00",
    )
    second = submit("o-2", "arn:e-2")
    assert (second["requiresApproval"], second["approvalReason"], second["spendInWindow"]) == (
        True,
        "CUSTOMER_SPEND",
        "1200.00",
    )
    assert submit("o-2", "arn:e-2")["spendInWindow"] == "1200.00", "a retried Validate counts once"
    [record] = aws.scan(SPEND_TABLE)
    assert sorted(record["orders"]["M"]) == ["o-1", "o-2"]


REFUSED = [
    (sample(items=[{"sku": "A", "quantity": 1, "unitPrice": "1.00"}]), PriceChanged, "items[0].unitPrice"),
    (sample(items=[{"sku": "NOPE", "quantity": 1}]), UnknownSku, "items[0].sku: NOPE"),
    (sample(items=[{"sku": "GONE", "quantity": 1}]), InactiveSku, "items[0].sku: GONE"),
    (sample(payment={"token": "pm_other"}), PaymentMethodNotOwned, "payment.token"),
    (sample(payment={"token": "pm_unknown"}), PaymentMethodNotOwned, "payment.token"),
]


@pytest.mark.parametrize(("order", "error", "message"), REFUSED, ids=[case[1].__name__ for case in REFUSED])
def test_refusals_are_named_and_store_nothing(
    aws: Aws, order: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        call(validate.handler, order)
    assert type(raised.value) is error and str(raised.value).startswith(message)
    assert "pm_other" not in str(raised.value) and "pm_unknown" not in str(raised.value)
    assert aws.scan(PERSONAL_DATA_TABLE) == [] and aws.scan(SPEND_TABLE) == []


def test_a_failure_after_storing_forgets_this_executions_personal_data(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting the spend failing (its retries may run out): the failed Validate keeps nothing, as an
    order that is not accepted keeps nothing; a retry stores the item again."""

    def unavailable(*args: object, **kwargs: object) -> None:
        raise SpendRecordUnavailable("spend table unreachable")

    monkeypatch.setattr(validate.SpendWindow, "record", unavailable)
    with pytest.raises(SpendRecordUnavailable):
        call(validate.handler, sample())
    assert aws.scan(PERSONAL_DATA_TABLE) == []


def test_forgetting_leaves_another_executions_personal_data(aws: Aws) -> None:
    call(validate.handler, sample())
    store = validate.PersonalDataStore(PERSONAL_DATA_TABLE)

    assert store.forget("o-1", "arn:other") is False
    assert [item["executionId"]["S"] for item in aws.scan(PERSONAL_DATA_TABLE)] == [EXECUTION_ID]
    assert store.forget("o-1", EXECUTION_ID) is True
    assert aws.scan(PERSONAL_DATA_TABLE) == []
