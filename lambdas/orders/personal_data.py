"""The order's personal data (shipping address, payment token), kept out of the workflow's state.

Validate stores it on one item per order in the personal data table (keyed by `orderId`, owned by
the execution that stored it first) and passes only the order id and non-personal fields on;
ChargePayment and CreateShipment read what they need by order id. So the state, the execution's
events and logs, and the messages built from the state never carry it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from orders import contract
from orders.errors import DuplicateOrder, PersonalDataMissing, PersonalDataUnavailable
from shared import clients, environment
from shared.dynamodb import consistent_get, error_code, transient_or_original

TABLE_VARIABLE = contract.PERSONAL_DATA_TABLE_ENV


@dataclass(frozen=True)
class PersonalData:
    """What identifies or reaches the customer: where the order ships and how it is paid."""

    shipping_address: Mapping[str, str]
    payment_token: str


def separate(order: Mapping[str, Any]) -> tuple[dict[str, Any], PersonalData]:
    """Split a normalized order into what may travel in the state and its personal data."""
    public = {key: value for key, value in order.items() if key not in ("shippingAddress", "payment")}
    return public, PersonalData(dict(order["shippingAddress"]), str(order["payment"]["token"]))


class PersonalDataStore:
    """Store an order's personal data once per owning execution, and read it back by order id."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table_name = table_name
        self.client = client or clients.client("dynamodb")

    @classmethod
    def from_environment(cls) -> PersonalDataStore:
        return cls(environment.text(TABLE_VARIABLE))

    def store(self, order_id: str, execution_id: str, data: PersonalData) -> None:
        """Write the item, or rewrite it for the execution that owns it (a retried Validate);
        raise `DuplicateOrder` if another execution owns the order id."""
        item = {
            "orderId": {"S": order_id},
            "executionId": {"S": execution_id},
            "shippingAddress": {"M": {key: {"S": value} for key, value in data.shipping_address.items()}},
            "paymentToken": {"S": data.payment_token},
            "storedAt": {"S": datetime.now(UTC).isoformat(timespec="milliseconds")},
        }
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(orderId) OR executionId = :executionId",
                ExpressionAttributeValues={":executionId": {"S": execution_id}},
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                raise DuplicateOrder(
                    f"order {order_id} is owned by another execution; nothing was changed"
                ) from None
            raise _unavailable(error) from None
        except BotoCoreError as error:
            raise PersonalDataUnavailable(f"personal data table unreachable: {error}") from None

    def forget(self, order_id: str, execution_id: str) -> bool:
        """Delete the item if `execution_id` owns it; True if it did. Best effort: a failure leaves
        the item (the caller is failing already, with its own error)."""
        try:
            self.client.delete_item(
                TableName=self.table_name,
                Key={"orderId": {"S": order_id}},
                ConditionExpression="executionId = :executionId",
                ExpressionAttributeValues={":executionId": {"S": execution_id}},
            )
        except (ClientError, BotoCoreError):
            return False
        return True

    def get(self, order_id: str) -> PersonalData:
        item = consistent_get(
            self.client,
            self.table_name,
            {"orderId": {"S": order_id}},
            PersonalDataUnavailable,
            "personal data",
        )
        if item is None:
            raise PersonalDataMissing(f"order {order_id} has no personal data item")
        address = {key: value["S"] for key, value in item["shippingAddress"]["M"].items()}
        return PersonalData(address, item["paymentToken"]["S"])


def _unavailable(error: ClientError) -> Exception:
    return transient_or_original(
        error, lambda code: PersonalDataUnavailable(f"personal data table busy: {code}")
    )
