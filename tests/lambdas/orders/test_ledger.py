"""The DynamoDB ledger adapter: real charges and refunds, idempotent per order, named refusals."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from orders.errors import (
    ChargeVoided,
    PaymentConflict,
    PaymentDeclined,
    PaymentMethodNotOwned,
    PaymentProviderUnavailable,
    RefundImpossible,
)
from orders.ledger import LedgerAdapter
from orders.payments import ChargeRequest, RefundRequest

from tests.lambdas.orders.conftest import LEDGER_TABLE, Aws


def charge_request(order_id: str = "o-1", amount: int = 2500, **overrides: Any) -> ChargeRequest:
    fields = {
        "order_id": order_id,
        "customer_id": "c-1",
        "amount_minor": amount,
        "currency": "USD",
        "payment_token": "pm_alice",
        **overrides,
    }
    return ChargeRequest(**fields)


@pytest.fixture
def ledger(aws: Aws) -> LedgerAdapter:
    aws.put_account("pm_alice", 10_000, customer_id="c-1")
    return LedgerAdapter(LEDGER_TABLE, aws.dynamodb)


def test_charge_moves_money_and_records_the_charge(aws: Aws, ledger: LedgerAdapter) -> None:
    receipt = ledger.charge(charge_request())
    assert receipt.amount_minor == 2500 and receipt.charge_id.startswith("ch_")
    assert aws.balance("pm_alice") == 7500
    entry = aws.ledger_entries("o-1")["CHARGE"]
    assert entry["chargeId"]["S"] == receipt.charge_id
    assert entry["account"]["S"] == "pm_alice"
    assert entry["amountMinor"]["N"] == "2500"


def test_charging_the_same_order_twice_charges_once(aws: Aws, ledger: LedgerAdapter) -> None:
    first = ledger.charge(charge_request())
    second = ledger.charge(charge_request())
    assert second == first
    assert aws.balance("pm_alice") == 7500


def test_a_second_charge_with_other_terms_is_refused(aws: Aws, ledger: LedgerAdapter) -> None:
    ledger.charge(charge_request())
    with pytest.raises(PaymentConflict, match="already charged 2500 USD") as raised:
        ledger.charge(charge_request(amount=3000))
    assert aws.balance("pm_alice") == 7500
    assert "pm_alice" not in str(raised.value)  # error causes reach the logs: no payment token


@pytest.mark.parametrize(
    ("setup", "request_overrides", "reason"),
    [
        ({}, {"amount": 10_001}, "insufficient funds"),
        ({"status": "BLOCKED"}, {}, "payment method is blocked"),
        ({"currency": "EUR"}, {}, "payment method cannot pay in USD"),
    ],
)
def test_declines_are_named_and_move_nothing(
    aws: Aws, setup: dict[str, str], request_overrides: dict[str, Any], reason: str
) -> None:
    aws.put_account("pm_alice", 10_000, customer_id="c-1", **setup)
    ledger = LedgerAdapter(LEDGER_TABLE, aws.dynamodb)
    with pytest.raises(PaymentDeclined, match=reason):
        ledger.charge(charge_request(**request_overrides))
    assert aws.balance("pm_alice") == 10_000
    assert aws.ledger_entries("o-1") == {}


@pytest.mark.parametrize(
    ("owner", "token", "reason"),
    [
        ("c-2", "pm_alice", "is not registered to this customer"),
        (None, "pm_alice", "has no owner"),
        ("c-1", "pm_unknown", "is not registered to this customer"),
    ],
)
def test_a_method_that_is_not_the_customers_is_refused_by_name_and_moves_nothing(
    aws: Aws, owner: str | None, token: str, reason: str
) -> None:
    aws.put_account("pm_alice", 10_000, customer_id=owner)
    ledger = LedgerAdapter(LEDGER_TABLE, aws.dynamodb)
    with pytest.raises(PaymentMethodNotOwned, match=reason) as checked:
        ledger.verify_owner(token, "c-1")
    with pytest.raises(PaymentMethodNotOwned, match=reason) as charged:
        ledger.charge(charge_request(payment_token=token))
    assert token not in str(checked.value) + str(charged.value), "no payment token in messages"
    assert aws.balance("pm_alice") == 10_000
    assert aws.ledger_entries("o-1") == {}


def test_the_owner_passes_the_check(ledger: LedgerAdapter) -> None:
    ledger.verify_owner("pm_alice", "c-1")


def test_the_full_balance_can_be_charged(aws: Aws, ledger: LedgerAdapter) -> None:
    ledger.charge(charge_request(amount=10_000))
    assert aws.balance("pm_alice") == 0


def test_refund_returns_the_charged_amount_once(aws: Aws, ledger: LedgerAdapter) -> None:
    charge = ledger.charge(charge_request())
    first = ledger.refund(RefundRequest("o-1", "PaymentDeclined"))
    second = ledger.refund(RefundRequest("o-1", "again"))
    assert first == second
    assert (first.status, first.amount_minor, first.currency) == ("REFUNDED", 2500, "USD")
    assert aws.balance("pm_alice") == 10_000
    refund = aws.ledger_entries("o-1")["REFUND"]
    assert refund["chargeId"]["S"] == charge.charge_id
    assert refund["reason"]["S"] == "PaymentDeclined"


def test_refund_without_a_charge_voids_the_order(aws: Aws, ledger: LedgerAdapter) -> None:
    receipt = ledger.refund(RefundRequest("o-never", "OutOfStock"))
    again = ledger.refund(RefundRequest("o-never", "OutOfStock"))
    assert receipt.status == again.status == "NOTHING_TO_REFUND" and receipt.amount_minor == 0
    assert set(aws.ledger_entries("o-never")) == {"VOID"}
    assert aws.balance("pm_alice") == 10_000


def test_a_charge_arriving_after_the_void_is_refused_and_moves_no_money(
    aws: Aws, ledger: LedgerAdapter
) -> None:
    ledger.refund(RefundRequest("o-1", "OutOfStock"))
    with pytest.raises(ChargeVoided, match="o-1"):
        ledger.charge(charge_request())
    assert set(aws.ledger_entries("o-1")) == {"VOID"}
    assert aws.balance("pm_alice") == 10_000


def test_a_charge_that_lands_between_the_refunds_read_and_its_void_is_refunded(
    aws: Aws, ledger: LedgerAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_get = LedgerAdapter._get
    raced: list[bool] = []

    def charge_lands_after_first_read(self: LedgerAdapter, key: dict[str, Any]) -> dict[str, Any] | None:
        if not raced and key["sk"]["S"] == "CHARGE":
            raced.append(True)
            found = real_get(self, key)
            LedgerAdapter.charge(self, charge_request())
            return found
        return real_get(self, key)

    monkeypatch.setattr(LedgerAdapter, "_get", charge_lands_after_first_read)
    receipt = ledger.refund(RefundRequest("o-1", "PaymentDeclined"))
    assert receipt.status == "REFUNDED" and receipt.amount_minor == 2500
    assert set(aws.ledger_entries("o-1")) == {"CHARGE", "REFUND"}
    assert aws.balance("pm_alice") == 10_000


def test_refund_to_a_deleted_payment_method_is_impossible(aws: Aws, ledger: LedgerAdapter) -> None:
    ledger.charge(charge_request())
    aws.dynamodb.delete_item(
        TableName=LEDGER_TABLE, Key={"pk": {"S": "ACCOUNT#pm_alice"}, "sk": {"S": "ACCOUNT"}}
    )
    with pytest.raises(RefundImpossible, match="no longer exists") as raised:
        ledger.refund(RefundRequest("o-1", "ShipmentFailed"))
    assert "REFUND" not in aws.ledger_entries("o-1")
    assert "pm_alice" not in str(raised.value)  # error causes reach the logs: no payment token


class FlakyClient:
    """Delegates to the real client but fails transact_write_items with the given error."""

    def __init__(self, client: Any, code: str, reasons: list[str] | None = None) -> None:
        self._client = client
        self._code = code
        self._reasons = reasons

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def transact_write_items(self, **_: Any) -> None:
        response: dict[str, Any] = {"Error": {"Code": self._code, "Message": "injected"}}
        if self._reasons is not None:
            response["CancellationReasons"] = [{"Code": code} for code in self._reasons]
        raise ClientError(response, "TransactWriteItems")


@pytest.mark.parametrize(
    ("code", "reasons"),
    [
        ("ProvisionedThroughputExceededException", None),
        ("InternalServerError", None),
        ("TransactionCanceledException", ["None", "TransactionConflict"]),
        ("TransactionCanceledException", ["ThrottlingError", "None"]),
    ],
)
def test_transient_failures_are_retryable_and_move_nothing(
    aws: Aws, code: str, reasons: list[str] | None
) -> None:
    aws.put_account("pm_alice", 10_000)
    ledger = LedgerAdapter(LEDGER_TABLE, FlakyClient(aws.dynamodb, code, reasons))
    with pytest.raises(PaymentProviderUnavailable):
        ledger.charge(charge_request())
    assert aws.balance("pm_alice") == 10_000


def test_permanent_errors_are_not_disguised_as_transient(aws: Aws) -> None:
    ledger = LedgerAdapter(LEDGER_TABLE, FlakyClient(aws.dynamodb, "AccessDeniedException"))
    with pytest.raises(ClientError):
        ledger.charge(charge_request())
