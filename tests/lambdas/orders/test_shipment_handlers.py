"""Create and cancel shipment: deliverability rules, one shipment per order, safe cancellation; the
address comes from the order's personal data item, never from the task input."""

from __future__ import annotations

from typing import Any

import pytest
from orders import cancel_shipment, ship
from orders.errors import AddressUndeliverable, ShipmentNotCancellable

from tests.lambdas.orders.conftest import IDEMPOTENCY_TABLE, SHIPMENTS_TABLE, Aws, call

ADDRESS = {
    "name": "Ada",
    "line1": "10 Downing St",
    "city": "London",
    "postalCode": "SW1A 2AA",
    "country": "GB",
}


def ship_input() -> dict[str, Any]:
    return {"orderId": "o-1", "items": [{"sku": "A", "quantity": 2, "unitPriceMinor": 100}]}


@pytest.fixture(autouse=True)
def _personal_data(aws: Aws) -> None:
    aws.put_personal_data("o-1", address=ADDRESS)


def shipments(aws: Aws) -> list[dict[str, Any]]:
    return aws.scan(SHIPMENTS_TABLE)


def test_creates_one_shipment_per_order(aws: Aws) -> None:
    first = call(ship.handler, ship_input(), "CreateShipment")
    again = call(ship.handler, ship_input(), "CreateShipment")
    assert first == again
    assert first["status"] == "CREATED" and first["shipmentId"].startswith("shp_")
    [stored] = shipments(aws)
    assert stored["shipmentId"]["S"] == first["shipmentId"]
    assert stored["items"]["L"][0]["M"]["quantity"]["N"] == "2"
    assert stored["address"]["M"]["postalCode"]["S"] == "SW1A 2AA"


def test_store_level_idempotency_holds_without_the_idempotency_record(aws: Aws) -> None:
    first = call(ship.handler, ship_input(), "CreateShipment")
    for record in aws.scan(IDEMPOTENCY_TABLE):
        aws.dynamodb.delete_item(TableName=IDEMPOTENCY_TABLE, Key={"id": record["id"]})
    assert call(ship.handler, ship_input(), "CreateShipment") == first
    assert len(shipments(aws)) == 1


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ({"country": "FR", "postalCode": "75001"}, "'FR' is not served"),
        (
            {"country": "US", "postalCode": "ABCDE"},
            "^shippingAddress.postalCode: not a valid US postal code$",
        ),
        ({"postalCode": "12345"}, "^shippingAddress.postalCode: not a valid GB postal code$"),
        ({"country": "DE", "postalCode": " "}, "not a valid DE postal code"),
    ],
)
def test_undeliverable_addresses_are_named_and_record_nothing(
    aws: Aws, address: dict[str, str], message: str
) -> None:
    aws.put_personal_data("o-1", address={**ADDRESS, **address})
    with pytest.raises(AddressUndeliverable, match=message):
        call(ship.handler, ship_input(), "CreateShipment")
    assert shipments(aws) == []
    assert aws.scan(IDEMPOTENCY_TABLE) == []


def test_cancel_cancels_a_created_shipment_once(aws: Aws) -> None:
    created = call(ship.handler, ship_input(), "CreateShipment")
    cancelled = call(cancel_shipment.handler, {"orderId": "o-1"}, "CancelShipment")
    again = call(cancel_shipment.handler, {"orderId": "o-1"}, "CancelShipment")
    assert cancelled == again
    assert cancelled == {"shipmentId": created["shipmentId"], "orderId": "o-1", "status": "CANCELLED"}
    [stored] = shipments(aws)
    assert stored["status"]["S"] == "CANCELLED" and "cancelledAt" in stored


def test_cancel_without_a_shipment_is_a_no_op(aws: Aws) -> None:
    result = call(cancel_shipment.handler, {"orderId": "o-2"}, "CancelShipment")
    assert result == {"orderId": "o-2", "status": "NOTHING_TO_CANCEL"}
    assert shipments(aws) == []


def test_a_dispatched_shipment_cannot_be_cancelled(aws: Aws) -> None:
    call(ship.handler, ship_input(), "CreateShipment")
    aws.dynamodb.update_item(
        TableName=SHIPMENTS_TABLE,
        Key={"orderId": {"S": "o-1"}},
        UpdateExpression="SET #s = :d",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":d": {"S": "DISPATCHED"}},
    )
    with pytest.raises(ShipmentNotCancellable, match="is DISPATCHED"):
        call(cancel_shipment.handler, {"orderId": "o-1"}, "CancelShipment")
    assert shipments(aws)[0]["status"]["S"] == "DISPATCHED"


def test_the_shipment_goes_to_the_address_stored_for_the_order(aws: Aws) -> None:
    aws.put_personal_data("o-1", address={**ADDRESS, "line1": "221B Baker St", "postalCode": "NW1 6XE"})
    call(ship.handler, ship_input(), "CreateShipment")
    [stored] = shipments(aws)
    assert stored["address"]["M"]["line1"]["S"] == "221B Baker St"
