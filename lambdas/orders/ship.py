"""Create-shipment task: check the address can be served and record the order's shipment."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from orders.idempotency import once_per_order
from orders.shipments import ShipmentStore, check_deliverable
from shared.errors import InvalidInput
from shared.task import logger, task_handler


def _create(request: dict[str, Any]) -> dict[str, Any]:
    store = ShipmentStore(os.environ["SHIPMENTS_TABLE"])
    return store.create(request["orderId"], request["shippingAddress"], request["items"])


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return the shipment; raise `AddressUndeliverable` for an address that cannot be served."""
    order_id = event_input.get("orderId")
    if not isinstance(order_id, str) or not isinstance(event_input.get("shippingAddress"), dict):
        raise InvalidInput("orderId and shippingAddress are required")
    if not isinstance(event_input.get("items"), list):
        raise InvalidInput("items: required array")
    logger.append_keys(order_id=order_id)
    countries = [code for code in os.environ["SHIPPING_COUNTRIES"].split(",") if code]
    check_deliverable(event_input["shippingAddress"], countries)
    create = once_per_order(_create, context, name="ship")
    shipment = create(request=event_input)
    logger.info("shipment recorded", extra={"shipmentId": shipment["shipmentId"]})
    return shipment
