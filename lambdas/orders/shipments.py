"""The shipment store: one shipment per order in a DynamoDB table, created and cancelled once.

Statuses: `CREATED` (by the saga), `DISPATCHED` (set by a warehouse integration, outside the
saga), `CANCELLED` (by compensation). Only a `CREATED` shipment can be cancelled automatically.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from orders.errors import AddressUndeliverable, ShipmentNotCancellable, ShipmentStoreUnavailable
from shared import clients
from shared.dynamodb import consistent_get, error_code, transient_or_original

POSTAL_CODES: dict[str, re.Pattern[str]] = {
    "US": re.compile(r"\d{5}(-\d{4})?"),
    "CA": re.compile(r"[A-Z]\d[A-Z] ?\d[A-Z]\d", re.IGNORECASE),
    "GB": re.compile(r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}", re.IGNORECASE),
    "DE": re.compile(r"\d{5}"),
    "FR": re.compile(r"\d{5}"),
    "ES": re.compile(r"\d{5}"),
    "IT": re.compile(r"\d{5}"),
    "NL": re.compile(r"\d{4} ?[A-Z]{2}", re.IGNORECASE),
    "BE": re.compile(r"\d{4}"),
    "AT": re.compile(r"\d{4}"),
    "DK": re.compile(r"\d{4}"),
    "SE": re.compile(r"\d{3} ?\d{2}"),
}


def check_deliverable(address: Mapping[str, Any], countries: Sequence[str]) -> None:
    """Raise `AddressUndeliverable` unless the address is in a served country with a valid code."""
    country = address.get("country")
    if country not in countries:
        raise AddressUndeliverable(f"shippingAddress.country: {country!r} is not served")
    pattern = POSTAL_CODES.get(str(country))
    postal_code = str(address.get("postalCode", "")).strip()
    if not postal_code or (pattern is not None and not pattern.fullmatch(postal_code)):
        # The value itself is personal data: the message names the rule, not the postal code.
        raise AddressUndeliverable(f"shippingAddress.postalCode: not a valid {country} postal code")


class ShipmentStore:
    """Create and cancel the shipment of an order; both operations are idempotent."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table_name = table_name
        self.client = client or clients.client("dynamodb")

    def create(
        self, order_id: str, address: Mapping[str, str], items: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        shipment_id = f"shp_{uuid.uuid4().hex}"
        item = {
            "orderId": {"S": order_id},
            "shipmentId": {"S": shipment_id},
            "status": {"S": "CREATED"},
            "address": {"M": {key: {"S": str(value)} for key, value in address.items()}},
            "items": {
                "L": [
                    {"M": {"sku": {"S": line["sku"]}, "quantity": {"N": str(line["quantity"])}}}
                    for line in items
                ]
            },
            "createdAt": {"S": datetime.now(UTC).isoformat(timespec="milliseconds")},
        }
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(orderId)",
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise _unavailable(error) from None
            existing = self.get(order_id)
            if existing is None:
                raise ShipmentStoreUnavailable("shipment vanished during a concurrent write") from None
            return existing
        except BotoCoreError as error:
            raise ShipmentStoreUnavailable(f"shipment table unreachable: {error}") from None
        return {"shipmentId": shipment_id, "orderId": order_id, "status": "CREATED"}

    def cancel(self, order_id: str) -> dict[str, Any]:
        try:
            self.client.update_item(
                TableName=self.table_name,
                Key={"orderId": {"S": order_id}},
                UpdateExpression="SET #status = :cancelled, cancelledAt = :now",
                ConditionExpression="#status = :created",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":cancelled": {"S": "CANCELLED"},
                    ":created": {"S": "CREATED"},
                    ":now": {"S": datetime.now(UTC).isoformat(timespec="milliseconds")},
                },
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise _unavailable(error) from None
            existing = self.get(order_id)
            if existing is None:
                return {"orderId": order_id, "status": "NOTHING_TO_CANCEL"}
            if existing["status"] != "CANCELLED":
                raise ShipmentNotCancellable(
                    f"shipment {existing['shipmentId']} is {existing['status']}"
                ) from None
            return existing
        except BotoCoreError as error:
            raise ShipmentStoreUnavailable(f"shipment table unreachable: {error}") from None
        shipment = self.get(order_id)
        return shipment or {"orderId": order_id, "status": "CANCELLED"}

    def get(self, order_id: str) -> dict[str, Any] | None:
        item = consistent_get(
            self.client,
            self.table_name,
            {"orderId": {"S": order_id}},
            ShipmentStoreUnavailable,
            "shipment table",
        )
        if item is None:
            return None
        return {
            "shipmentId": item["shipmentId"]["S"],
            "orderId": order_id,
            "status": item["status"]["S"],
        }


def _unavailable(error: ClientError) -> Exception:
    return transient_or_original(error, lambda code: ShipmentStoreUnavailable(f"shipment table busy: {code}"))
