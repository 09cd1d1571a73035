"""Cancel-shipment task (compensation): cancel the order's shipment if it has not left yet."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from orders import contract
from orders.idempotency import once_per_order
from orders.shipments import ShipmentStore
from shared import environment
from shared.errors import InvalidInput
from shared.task import logger, task_handler


def _cancel(request: dict[str, Any]) -> dict[str, Any]:
    return ShipmentStore(environment.text(contract.SHIPMENTS_TABLE_ENV)).cancel(request["orderId"])


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return the shipment (now `CANCELLED`) or `NOTHING_TO_CANCEL`."""
    order_id = event_input.get("orderId")
    if not isinstance(order_id, str):
        raise InvalidInput("orderId: required string")
    logger.append_keys(order_id=order_id)
    cancel = once_per_order(_cancel, context, name="cancel-shipment")
    result = cancel(request={"orderId": order_id})
    logger.info("shipment compensation done", extra={"status": result["status"]})
    return result
