"""lookup_order tool: the read-only status of one order from the order saga's status table.

A projection (status, step, updatedAt): no personal data, no approval-token ciphertext is read.
"""

from __future__ import annotations

from typing import Any

from agent import contract
from agent.tools.invocation import tool_handler
from shared import clients, environment
from shared.dynamodb import transient_failures
from shared.errors import TransientError

PROJECTION = ("status", "step", "updatedAt")


class OrdersTableBusy(TransientError):
    """The orders status table throttled, failed or was unreachable; safe to retry."""


def read_status(order_id: str) -> dict[str, Any] | None:
    names = {f"#p{index}": name for index, name in enumerate(PROJECTION)}
    with transient_failures(OrdersTableBusy, "orders table"):
        response = clients.client("dynamodb").get_item(
            TableName=environment.text(contract.ORDERS_TABLE_ENV),
            Key={"orderId": {"S": order_id}},
            ProjectionExpression=", ".join(names),
            ExpressionAttributeNames=names,
        )
    item: dict[str, Any] | None = response.get("Item")
    return item


def run(arguments: dict[str, Any]) -> dict[str, Any]:
    order_id = arguments["orderId"]
    item = read_status(order_id)
    if item is None:
        return {"orderId": order_id, "found": False}
    fields = {name: item[name]["S"] for name in PROJECTION if "S" in item.get(name, {})}
    return {"orderId": order_id, "found": True, **fields}


handler = tool_handler("lookup_order", run)
