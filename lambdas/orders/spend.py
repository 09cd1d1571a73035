"""Per-customer spend over a sliding window, so splitting an order does not avoid review.

What counts: every order Validate accepts (priced from the catalog, payment method owned, not a
duplicate), at its catalog total, from the moment it is accepted, whatever happens to it later
(a rejected, declined or out-of-stock order still counts until the window passes it). One item per
customer and currency (`customerId`, `currency`) holds `orders`: order id -> `{amountMinor,
acceptedAt}` (epoch seconds), a `version`, and `expiresAt` (DynamoDB TTL: an idle customer's
item disappears once the window has passed). Recording is an optimistic, conditional write on
`version`, so two orders recorded at the same time both count; recording the same order again (a
retried Validate) changes nothing and returns the same window total.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from orders import contract
from orders.errors import SpendRecordUnavailable
from shared import clients, environment
from shared.dynamodb import consistent_get, error_code, transient_or_original

TABLE_VARIABLE = contract.SPEND_TABLE_ENV
WINDOW_VARIABLE = contract.SPEND_WINDOW_ENV
WRITE_ATTEMPTS = 5


@dataclass(frozen=True)
class WindowSpend:
    """What the customer's accepted orders in the window add up to, this order included."""

    total_minor: int
    orders: int


class SpendWindow:
    """Record accepted orders per customer and currency; sum them over the last `window_seconds`."""

    def __init__(
        self,
        table_name: str,
        window_seconds: int,
        client: Any | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table_name = table_name
        self.window_seconds = window_seconds
        self.client = client or clients.client("dynamodb")
        self.clock = clock

    @classmethod
    def from_environment(cls) -> SpendWindow:
        return cls(environment.text(TABLE_VARIABLE), environment.integer(WINDOW_VARIABLE))

    def record(self, customer_id: str, currency: str, order_id: str, amount_minor: int) -> WindowSpend:
        """Count `order_id` (once) and return the window's total including it."""
        key = {"customerId": {"S": customer_id}, "currency": {"S": currency}}
        for _ in range(WRITE_ATTEMPTS):
            now = int(self.clock())
            item = self._get(key)
            entries = _entries(item)
            if order_id in entries:
                return _spend(entries, now - self.window_seconds, always=order_id)
            kept = {oid: entry for oid, entry in entries.items() if entry[1] > now - self.window_seconds}
            kept[order_id] = (amount_minor, now)
            if self._put(key, item, kept, now):
                return _spend(kept, now - self.window_seconds, always=order_id)
        raise SpendRecordUnavailable(f"spend record of {customer_id} stayed contended")

    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        return consistent_get(self.client, self.table_name, key, SpendRecordUnavailable, "spend table")

    def _put(
        self,
        key: dict[str, Any],
        previous: dict[str, Any] | None,
        entries: dict[str, tuple[int, int]],
        now: int,
    ) -> bool:
        """Write `entries` unless another writer changed the item since `previous` was read."""
        version = int(previous["version"]["N"]) if previous else 0
        item = {
            **key,
            "orders": {
                "M": {
                    oid: {"M": {"amountMinor": {"N": str(amount)}, "acceptedAt": {"N": str(at)}}}
                    for oid, (amount, at) in entries.items()
                }
            },
            "version": {"N": str(version + 1)},
            "expiresAt": {"N": str(now + self.window_seconds)},
        }
        condition = "attribute_not_exists(customerId)" if previous is None else "version = :version"
        values = {} if previous is None else {":version": {"N": str(version)}}
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression=condition,
                **({"ExpressionAttributeValues": values} if values else {}),
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise _unavailable(error) from None
        except BotoCoreError as error:
            raise SpendRecordUnavailable(f"spend table unreachable: {error}") from None
        return True


def _entries(item: Mapping[str, Any] | None) -> dict[str, tuple[int, int]]:
    if not item:
        return {}
    return {
        oid: (int(entry["M"]["amountMinor"]["N"]), int(entry["M"]["acceptedAt"]["N"]))
        for oid, entry in item.get("orders", {}).get("M", {}).items()
    }


def _spend(entries: Mapping[str, tuple[int, int]], since: int, *, always: str) -> WindowSpend:
    """The window's orders (accepted after `since`), with `always` (the order being priced) counted."""
    counted = {oid: amount for oid, (amount, at) in entries.items() if at > since or oid == always}
    return WindowSpend(sum(counted.values()), len(counted))


def _unavailable(error: ClientError) -> Exception:
    return transient_or_original(error, lambda code: SpendRecordUnavailable(f"spend table busy: {code}"))
