"""Create-shipment task: check the address can be served and record the order's shipment.

The shipping address is not in the task input: it is read from the order's personal data item.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from orders import contract
from orders.errors import ShipmentStoreUnavailable
from orders.idempotency import once_per_order
from orders.personal_data import PersonalDataStore
from orders.shipments import ShipmentStore, check_deliverable
from shared import environment
from shared.errors import InvalidInput, TransientError
from shared.task import logger, task_handler


def _create(request: dict[str, Any]) -> dict[str, Any]:
    store = ShipmentStore(environment.text(contract.SHIPMENTS_TABLE_ENV))
    return store.create(request["orderId"], request["shippingAddress"], request["items"])


def _shipping_address(order_id: str) -> dict[str, str]:
    try:
        return dict(PersonalDataStore.from_environment().get(order_id).shipping_address)
    except TransientError as error:
        # The step's Retry covers the shipment store's transient error: a busy lookup is retried alike.
        raise ShipmentStoreUnavailable(str(error)) from None


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return the shipment; raise `AddressUndeliverable` for an address that cannot be served."""
    order_id = event_input.get("orderId")
    if not isinstance(order_id, str):
        raise InvalidInput("orderId: required string")
    if not isinstance(event_input.get("items"), list):
        raise InvalidInput("items: required array")
    logger.append_keys(order_id=order_id)
    address = _shipping_address(order_id)
    countries = list(environment.items(contract.SHIPPING_COUNTRIES_ENV, required=True))
    check_deliverable(address, countries)
    create = once_per_order(_create, context, name="ship")
    shipment = create(
        request={"orderId": order_id, "items": event_input["items"], "shippingAddress": address}
    )
    logger.info("shipment recorded", extra={"shipmentId": shipment["shipmentId"]})
    return shipment
