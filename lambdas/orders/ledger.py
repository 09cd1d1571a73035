"""The shipped payment adapter: a double-entry-style ledger in one DynamoDB table.

Items (partition key `pk`, sort key `sk`):
- a payment method: `ACCOUNT#<token>` / `ACCOUNT` with `balanceMinor`, `currency`, `status`
  (`ACTIVE` or `BLOCKED`) and the owning `customerId` (a method without one can pay for nobody);
- a charge: `ORDER#<orderId>` / `CHARGE` with `chargeId`, `account`, `amountMinor`, `currency`;
- a refund: `ORDER#<orderId>` / `REFUND` with `refundId`, `chargeId`, `account`, `amountMinor`;
- a void: `ORDER#<orderId>` / `VOID`, written by a refund that found no charge.

Charging moves money out of the account and writes the charge in one transaction whose
conditions make the order id the idempotency key: an order is charged at most once and
refunded at most once, and the account balance always equals its opening balance minus
charges plus refunds.

A refund that finds no charge voids the order (in one transaction that also checks no charge
exists), and a charge checks in its own transaction that the order is not void: a charge still in
flight when the saga compensated (its response was lost, the retry gave up) can then never land
after the refund, and the refund's "nothing to refund" stays true.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from orders import contract
from orders.errors import (
    ChargeVoided,
    PaymentConflict,
    PaymentDeclined,
    PaymentMethodNotOwned,
    PaymentProviderUnavailable,
    RefundImpossible,
)
from orders.payments import ChargeReceipt, ChargeRequest, RefundReceipt, RefundRequest
from shared import clients, environment
from shared.dynamodb import TRANSIENT_CODES, consistent_get, transient_or_original

LEDGER_TRANSIENT_CODES = TRANSIENT_CODES | {"TransactionInProgressException", "TransactionCanceledException"}
"""A transaction cancelled for another reason than the ledger's own conditions is safe to retry too."""
ACTIVE = "ACTIVE"
# Outcomes of `LedgerAdapter._write_entry`.
WRITTEN = "WRITTEN"
ENTRY_EXISTS = "ENTRY_EXISTS"
ACCOUNT_REFUSED = "ACCOUNT_REFUSED"
GUARD_FAILED = "GUARD_FAILED"


def account_key(token: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"ACCOUNT#{token}"}, "sk": {"S": "ACCOUNT"}}


def order_key(order_id: str, entry: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"ORDER#{order_id}"}, "sk": {"S": entry}}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class LedgerAdapter:
    """`PaymentAdapter` over the ledger table; every call is idempotent per order id."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table_name = table_name
        self.client = client or clients.client("dynamodb")

    @classmethod
    def from_environment(cls) -> LedgerAdapter:
        return cls(environment.text(contract.LEDGER_TABLE_ENV))

    def verify_owner(self, payment_token: str, customer_id: str) -> None:
        account = self._get(account_key(payment_token))
        owner = (account or {}).get("customerId", {}).get("S")
        if owner != customer_id:
            raise PaymentMethodNotOwned(_not_owned(customer_id, account is not None and owner is None))

    def charge(self, request: ChargeRequest) -> ChargeReceipt:
        existing = self._get(order_key(request.order_id, "CHARGE"))
        if existing is not None:
            return self._same_charge(existing, request)
        if self._get(order_key(request.order_id, "VOID")) is not None:
            raise _voided(request.order_id)
        charge_id = f"ch_{uuid.uuid4().hex}"
        amount = {"N": str(request.amount_minor)}
        outcome = self._write_entry(
            {
                **order_key(request.order_id, "CHARGE"),
                "chargeId": {"S": charge_id},
                "account": {"S": request.payment_token},
                "customerId": {"S": request.customer_id},
                "amountMinor": amount,
                "currency": {"S": request.currency},
                "createdAt": {"S": _now()},
            },
            {
                "Key": account_key(request.payment_token),
                "UpdateExpression": "SET balanceMinor = balanceMinor - :amount",
                "ConditionExpression": (
                    "#status = :active AND currency = :currency "
                    "AND balanceMinor >= :amount "
                    "AND customerId = :customer"
                ),
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {
                    ":amount": amount,
                    ":active": {"S": ACTIVE},
                    ":currency": {"S": request.currency},
                    ":customer": {"S": request.customer_id},
                },
            },
            absent=order_key(request.order_id, "VOID"),
        )
        if outcome == ENTRY_EXISTS:
            return self._same_charge(self._require(order_key(request.order_id, "CHARGE")), request)
        if outcome == GUARD_FAILED:
            raise _voided(request.order_id)
        if outcome == ACCOUNT_REFUSED:
            raise self._refusal(request)
        return ChargeReceipt(charge_id, request.order_id, request.amount_minor, request.currency)

    def refund(self, request: RefundRequest) -> RefundReceipt:
        charge = self._get(order_key(request.order_id, "CHARGE"))
        if charge is None:
            if self._void(request):
                return RefundReceipt(request.order_id, 0)
            charge = self._require(order_key(request.order_id, "CHARGE"))
        existing = self._get(order_key(request.order_id, "REFUND"))
        if existing is not None:
            return _refund_receipt(existing, request.order_id)
        refund_id = f"re_{uuid.uuid4().hex}"
        amount = charge["amountMinor"]
        outcome = self._write_entry(
            {
                **order_key(request.order_id, "REFUND"),
                "refundId": {"S": refund_id},
                "chargeId": charge["chargeId"],
                "account": charge["account"],
                "amountMinor": amount,
                "currency": charge["currency"],
                "reason": {"S": request.reason[:500]},
                "createdAt": {"S": _now()},
            },
            {
                "Key": account_key(charge["account"]["S"]),
                "UpdateExpression": "SET balanceMinor = balanceMinor + :amount",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeValues": {":amount": amount},
            },
        )
        if outcome == ENTRY_EXISTS:
            return _refund_receipt(self._require(order_key(request.order_id, "REFUND")), request.order_id)
        if outcome == ACCOUNT_REFUSED:
            raise RefundImpossible(
                f"the payment method order {request.order_id} was charged to (charge "
                f"{charge['chargeId']['S']}) no longer exists"
            )
        return RefundReceipt(request.order_id, int(amount["N"]), refund_id, charge["currency"]["S"])

    def _void(self, request: RefundRequest) -> bool:
        """Void the order unless a charge exists (one transaction); False if a charge got there first."""
        outcome = self._transact(
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": {
                        **order_key(request.order_id, "VOID"),
                        "reason": {"S": request.reason[:500]},
                        "createdAt": {"S": _now()},
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            _absent(self.table_name, order_key(request.order_id, "CHARGE")),
        )
        return outcome != GUARD_FAILED

    def _write_entry(
        self,
        entry: dict[str, Any],
        account_update: dict[str, Any],
        *,
        absent: dict[str, Any] | None = None,
    ) -> str:
        """In one transaction: put the order's ledger `entry` (only if it is new) and update an account,
        provided the item at key `absent` (if given) does not exist.

        Returns `WRITTEN`, `ENTRY_EXISTS` (an earlier attempt wrote the entry), `ACCOUNT_REFUSED`
        (the account update's condition failed) or `GUARD_FAILED` (the `absent` item exists);
        other failures raise.
        """
        put = {
            "Put": {
                "TableName": self.table_name,
                "Item": entry,
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        update = {"Update": {"TableName": self.table_name, **account_update}}
        if absent is None:
            return self._transact(put, update, refused=ACCOUNT_REFUSED)
        return self._transact(put, _absent(self.table_name, absent), update, refused=ACCOUNT_REFUSED)

    def _transact(self, put: dict[str, Any], *others: dict[str, Any], refused: str = GUARD_FAILED) -> str:
        """Run `put` and `others` as one transaction: `ENTRY_EXISTS` if `put`'s condition failed, the
        outcome named for the first other item whose condition failed (a condition check is
        `GUARD_FAILED`, an update `refused`), else `WRITTEN`; other failures raise."""
        try:
            self.client.transact_write_items(TransactItems=[put, *others])
        except ClientError as error:
            reasons = _cancellation_reasons(error)
            if reasons[:1] == ["ConditionalCheckFailed"]:
                return ENTRY_EXISTS
            for item, reason in zip(others, reasons[1:], strict=False):
                if reason == "ConditionalCheckFailed":
                    return GUARD_FAILED if "ConditionCheck" in item else refused
            raise _unavailable(error) from None
        except BotoCoreError as error:
            raise PaymentProviderUnavailable(f"ledger unreachable: {error}") from None
        return WRITTEN

    def _same_charge(self, item: dict[str, Any], request: ChargeRequest) -> ChargeReceipt:
        recorded = (int(item["amountMinor"]["N"]), item["currency"]["S"], item["account"]["S"])
        asked = (request.amount_minor, request.currency, request.payment_token)
        if recorded != asked:
            method = "the same payment method" if recorded[2] == asked[2] else "another payment method"
            raise PaymentConflict(
                f"order {request.order_id} was already charged {recorded[0]} {recorded[1]} "
                f"(charge {item['chargeId']['S']}); refusing a second charge of {asked[0]} {asked[1]} "
                f"to {method}"
            )
        return ChargeReceipt(item["chargeId"]["S"], request.order_id, recorded[0], recorded[1])

    def _refusal(self, request: ChargeRequest) -> Exception:
        """Why the account refused the charge: not the customer's, or declined with the reason."""
        account = self._get(account_key(request.payment_token))
        owner = (account or {}).get("customerId", {}).get("S")
        if account is None or owner != request.customer_id:
            return PaymentMethodNotOwned(
                _not_owned(request.customer_id, account is not None and owner is None)
            )
        if account.get("status", {}).get("S") != ACTIVE:
            return PaymentDeclined("payment method is blocked")
        if account["currency"]["S"] != request.currency:
            return PaymentDeclined(f"payment method cannot pay in {request.currency}")
        return PaymentDeclined("insufficient funds")

    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        return consistent_get(self.client, self.table_name, key, PaymentProviderUnavailable, "ledger")

    def _require(self, key: dict[str, Any]) -> dict[str, Any]:
        item = self._get(key)
        if item is None:
            raise PaymentProviderUnavailable("ledger entry vanished during a concurrent write")
        return item


def _absent(table_name: str, key: dict[str, Any]) -> dict[str, Any]:
    """A transaction item that holds only while no item exists at `key`."""
    return {
        "ConditionCheck": {
            "TableName": table_name,
            "Key": key,
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def _not_owned(customer_id: str, ownerless: bool) -> str:
    """The refusal, without the token (it is personal data)."""
    why = "has no owner" if ownerless else "is not registered to this customer"
    return f"payment.token: the payment method {why} ({customer_id})"


def _voided(order_id: str) -> ChargeVoided:
    return ChargeVoided(f"order {order_id} was compensated (voided) before this charge ran; nothing charged")


def _cancellation_reasons(error: ClientError) -> list[str]:
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return []
    return [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]


def _unavailable(error: ClientError) -> Exception:
    return transient_or_original(
        error, lambda code: PaymentProviderUnavailable(f"ledger busy: {code}"), LEDGER_TRANSIENT_CODES
    )


def _refund_receipt(item: dict[str, Any], order_id: str) -> RefundReceipt:
    return RefundReceipt(
        order_id, int(item["amountMinor"]["N"]), item["refundId"]["S"], item["currency"]["S"]
    )
