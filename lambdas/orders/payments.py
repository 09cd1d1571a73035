"""The payment-provider port: what the saga asks of any provider, independent of who it is.

A provider adapter implements `PaymentAdapter`. `verify_owner` runs in Validate, before anything is
reserved: a method with no owner or another customer's fails `PaymentMethodNotOwned`. Charge and
refund must be idempotent per order id:
charging an order that is already charged returns the first charge (or raises
`PaymentConflict` if the terms differ), refunding twice refunds once. Adapters raise
`PaymentDeclined` for a refusal and `PaymentProviderUnavailable` for anything worth retrying.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from shared.errors import InvalidInput


def _field(data: Mapping[str, Any], name: str, kind: type) -> Any:
    value = data.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InvalidInput(f"{name}: required {kind.__name__}")
    return value


@dataclass(frozen=True)
class ChargeRequest:
    """Charge `amount_minor` (minor units of `currency`) for one order to one payment method."""

    order_id: str
    customer_id: str
    amount_minor: int
    currency: str
    payment_token: str

    @classmethod
    def from_input(cls, data: Mapping[str, Any]) -> ChargeRequest:
        request = cls(
            order_id=_field(data, "orderId", str),
            customer_id=_field(data, "customerId", str),
            amount_minor=_field(data, "amountMinor", int),
            currency=_field(data, "currency", str),
            payment_token=_field(data, "paymentToken", str),
        )
        if request.amount_minor <= 0:
            raise InvalidInput("amountMinor: must be positive")
        return request


@dataclass(frozen=True)
class RefundRequest:
    """Refund whatever was charged for one order (nothing if it was never charged)."""

    order_id: str
    reason: str

    @classmethod
    def from_input(cls, data: Mapping[str, Any]) -> RefundRequest:
        reason = data.get("reason")
        return cls(
            order_id=_field(data, "orderId", str),
            reason=reason if isinstance(reason, str) and reason else "compensation",
        )


@dataclass(frozen=True)
class ChargeReceipt:
    """A charge the provider recorded."""

    charge_id: str
    order_id: str
    amount_minor: int
    currency: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "chargeId": self.charge_id,
            "orderId": self.order_id,
            "amountMinor": self.amount_minor,
            "currency": self.currency,
            "status": "CHARGED",
        }


@dataclass(frozen=True)
class RefundReceipt:
    """The outcome of a refund: what went back to the payment method, if anything."""

    order_id: str
    amount_minor: int
    refund_id: str | None = None
    currency: str | None = None

    @property
    def status(self) -> Literal["REFUNDED", "NOTHING_TO_REFUND"]:
        return "REFUNDED" if self.refund_id else "NOTHING_TO_REFUND"

    def to_dict(self) -> dict[str, Any]:
        return {
            "refundId": self.refund_id,
            "orderId": self.order_id,
            "amountMinor": self.amount_minor,
            "currency": self.currency,
            "status": self.status,
        }


class PaymentAdapter(Protocol):
    """A payment provider as the saga sees it."""

    def verify_owner(self, payment_token: str, customer_id: str) -> None:
        """Raise `PaymentMethodNotOwned` unless the method exists and belongs to `customer_id`."""
        ...

    def charge(self, request: ChargeRequest) -> ChargeReceipt: ...

    def refund(self, request: RefundRequest) -> RefundReceipt: ...
