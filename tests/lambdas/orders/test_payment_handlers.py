"""Charge and refund handlers: the adapter behind Powertools idempotency keyed on the order; the
payment token comes from the order's personal data item, never from the task input."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from orders import charge, refund
from orders.errors import ChargeVoided, PaymentDeclined, PersonalDataMissing
from orders.ledger import LedgerAdapter

from shared.errors import InvalidInput
from tests.lambdas.orders.conftest import IDEMPOTENCY_TABLE, Aws, call


def charge_input(**overrides: Any) -> dict[str, Any]:
    return {
        "orderId": "o-1",
        "customerId": "c-1",
        "amountMinor": 4_200,
        "currency": "USD",
        **overrides,
    }


@pytest.fixture(autouse=True)
def _personal_data(aws: Aws) -> None:
    aws.put_personal_data("o-1", token="pm_alice")


def test_charge_returns_the_receipt(aws: Aws) -> None:
    aws.put_account("pm_alice", 10_000)
    receipt = call(charge.handler, charge_input(), "ChargePayment")
    assert receipt["status"] == "CHARGED"
    assert receipt["amountMinor"] == 4_200 and receipt["orderId"] == "o-1"
    assert aws.balance("pm_alice") == 5_800


def test_a_retried_charge_returns_the_first_result_from_the_idempotency_store(aws: Aws) -> None:
    aws.put_account("pm_alice", 10_000)
    first = call(charge.handler, charge_input(), "ChargePayment")
    records = aws.scan(IDEMPOTENCY_TABLE)
    assert len(records) == 1
    assert records[0]["id"]["S"].startswith("orders.charge#")
    assert records[0]["status"]["S"] == "COMPLETED"
    aws.put_account("pm_alice", 10_000)  # the second call must not even reach the ledger
    second = call(charge.handler, charge_input(), "ChargePayment")
    assert second == first
    assert aws.balance("pm_alice") == 10_000


def test_a_retry_with_different_terms_is_refused(aws: Aws) -> None:
    aws.put_account("pm_alice", 10_000)
    call(charge.handler, charge_input(), "ChargePayment")
    with pytest.raises(Exception) as raised:
        call(charge.handler, charge_input(amountMinor=9_999), "ChargePayment")
    assert type(raised.value).__name__ == "IdempotencyValidationError"
    assert aws.balance("pm_alice") == 5_800


def test_a_decline_leaves_no_idempotency_record_so_nothing_is_cached(aws: Aws) -> None:
    aws.put_account("pm_alice", 100)
    with pytest.raises(PaymentDeclined, match="insufficient funds"):
        call(charge.handler, charge_input(), "ChargePayment")
    assert aws.scan(IDEMPOTENCY_TABLE) == []
    aws.put_account("pm_alice", 10_000)
    assert call(charge.handler, charge_input(), "ChargePayment")["status"] == "CHARGED"


@pytest.mark.parametrize(
    "broken",
    [{"amountMinor": "4200"}, {"amountMinor": 0}, {"amountMinor": True}, {"orderId": None}],
)
def test_charge_contract_violations_are_invalid_input(aws: Aws, broken: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        call(charge.handler, charge_input(**broken), "ChargePayment")


def test_refund_compensates_the_charge_once(aws: Aws) -> None:
    aws.put_account("pm_alice", 10_000)
    call(charge.handler, charge_input(), "ChargePayment")
    receipt = call(refund.handler, {"orderId": "o-1", "reason": "AddressUndeliverable"})
    again = call(refund.handler, {"orderId": "o-1", "reason": "AddressUndeliverable"})
    assert receipt == again
    assert receipt["status"] == "REFUNDED" and receipt["amountMinor"] == 4_200
    assert aws.balance("pm_alice") == 10_000
    assert set(aws.ledger_entries("o-1")) == {"CHARGE", "REFUND"}


def test_refund_of_an_uncharged_order_does_nothing(aws: Aws) -> None:
    receipt = call(refund.handler, {"orderId": "o-9"})
    assert receipt == {
        "refundId": None,
        "orderId": "o-9",
        "amountMinor": 0,
        "currency": None,
        "status": "NOTHING_TO_REFUND",
    }


def test_a_charge_still_in_flight_when_the_saga_compensates_never_lands(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The charge invocation's response is lost while it still runs; the retry finds it in progress
    and gives up, the saga refunds — the first invocation must not charge afterwards."""
    aws.put_account("pm_alice", 10_000)
    started, release = threading.Event(), threading.Event()
    real_charge = LedgerAdapter.charge

    def slow_charge(self: LedgerAdapter, request: Any) -> Any:
        started.set()
        release.wait(30)
        return real_charge(self, request)

    monkeypatch.setattr(LedgerAdapter, "charge", slow_charge)
    outcome: dict[str, Any] = {}

    def first_invocation() -> None:
        try:
            outcome["first"] = call(charge.handler, charge_input(), "ChargePayment")
        except Exception as error:
            outcome["first"] = error

    worker = threading.Thread(target=first_invocation)
    worker.start()
    assert started.wait(30)
    with pytest.raises(Exception) as retry:
        call(charge.handler, charge_input(), "ChargePayment")
    assert type(retry.value).__name__ == "IdempotencyAlreadyInProgressError"
    compensation = call(refund.handler, {"orderId": "o-1", "reason": "IdempotencyAlreadyInProgressError"})
    release.set()
    worker.join(30)

    assert compensation["status"] == "NOTHING_TO_REFUND"
    assert isinstance(outcome["first"], ChargeVoided)
    assert aws.balance("pm_alice") == 10_000
    assert set(aws.ledger_entries("o-1")) == {"VOID"}


def test_charge_takes_the_token_stored_for_the_order(aws: Aws) -> None:
    aws.put_account("pm_alice", 10_000)
    aws.put_account("pm_bob", 10_000)
    aws.put_personal_data("o-2", token="pm_bob")
    call(charge.handler, charge_input(orderId="o-2"), "ChargePayment")
    assert (aws.balance("pm_alice"), aws.balance("pm_bob")) == (10_000, 5_800)
    assert aws.ledger_entries("o-2")["CHARGE"]["account"]["S"] == "pm_bob"


def test_charge_without_stored_personal_data_fails_named_and_charges_nothing(aws: Aws) -> None:
    aws.put_account("pm_alice", 10_000)
    with pytest.raises(PersonalDataMissing, match="o-3 has no personal data"):
        call(charge.handler, charge_input(orderId="o-3"), "ChargePayment")
    assert aws.balance("pm_alice") == 10_000 and aws.ledger_entries("o-3") == {}
