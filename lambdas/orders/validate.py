"""Validate task: check the incoming order, price it from the catalog, check the payment method is
the customer's, store its personal data, count it in the customer's spend window, return the rest.

Nothing is written for a refused order (`InvalidOrder`, `UnknownSku`, `InactiveSku`,
`PriceChanged`, `PaymentMethodNotOwned`). A valid order's shipping address and payment token go
to the personal data table (`orders.personal_data`); the state carries only the order without them.
If counting the order fails after that, this execution's item is deleted before the error is raised.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from orders.catalog import Catalog
from orders.order import Rules, parse_order
from orders.personal_data import PersonalDataStore, separate
from orders.pricing import price_order
from orders.providers import adapter_from_environment
from orders.review import approval_terms
from orders.spend import SpendWindow
from shared.task import execution_id, logger, task_handler


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return `{"order": <priced order without personal data>}`; raise the refusal's named error, or
    `DuplicateOrder` if another execution owns the order id."""
    rules = Rules.from_environment()
    parsed = parse_order(event_input, rules)
    currency = rules.currencies[parsed["currency"]]
    logger.append_keys(order_id=parsed["orderId"])
    products = Catalog.from_environment().products(line["sku"] for line in parsed["items"])
    order, personal = separate(price_order(parsed, products, currency))
    adapter_from_environment().verify_owner(personal.payment_token, order["customerId"])
    store = PersonalDataStore.from_environment()
    store.store(order["orderId"], execution_id(), personal)
    try:
        window = SpendWindow.from_environment().record(
            order["customerId"], order["currency"], order["orderId"], order["totalMinor"]
        )
    except Exception:
        # An order that is not accepted keeps nothing: the catch-all ends in OrderNotAccepted once the
        # retries run out, and a retry stores the item again.
        store.forget(order["orderId"], execution_id())
        raise
    order.update(approval_terms(order["totalMinor"], window, currency))
    logger.info(
        "order valid",
        extra={
            "items": len(order["items"]),
            "total": order["total"],
            "currency": order["currency"],
            "requiresApproval": order["requiresApproval"],
            "approvalReason": order["approvalReason"],
        },
    )
    return {"order": order}
