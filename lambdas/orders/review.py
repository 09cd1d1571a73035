"""Whether an order needs a human: its own total, or the customer's spend in the window, above the
currency's approval threshold (strictly)."""

from __future__ import annotations

from typing import Any

from orders.order import Currency, format_minor
from orders.spend import WindowSpend

ORDER_TOTAL = "ORDER_TOTAL"
CUSTOMER_SPEND = "CUSTOMER_SPEND"
NONE = "NONE"


def approval_terms(total_minor: int, window: WindowSpend, currency: Currency) -> dict[str, Any]:
    """`requiresApproval`, why (`approvalReason`) and the customer's spend in the window."""
    threshold = currency.threshold_minor
    if total_minor > threshold:
        reason = ORDER_TOTAL
    elif window.total_minor > threshold:
        reason = CUSTOMER_SPEND
    else:
        reason = NONE
    return {
        "requiresApproval": reason != NONE,
        "approvalReason": reason,
        "spendInWindow": format_minor(window.total_minor, currency),
    }
