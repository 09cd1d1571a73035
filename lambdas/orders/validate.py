"""Validate task: check the incoming order, store its personal data, return the rest normalized.

Nothing is written for an invalid order. A valid order's shipping address and payment token go to
the personal data table (`orders.personal_data`); the state carries only the order without them.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from orders.order import Rules, parse_order
from orders.personal_data import PersonalDataStore, separate
from shared.task import execution_id, logger, task_handler


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return `{"order": <normalized order without personal data>}`; raise `InvalidOrder` naming the
    field, or `DuplicateOrder` if another execution owns the order id."""
    order, personal = separate(parse_order(event_input, Rules.from_environment(os.environ)))
    logger.append_keys(order_id=order["orderId"])
    PersonalDataStore.from_environment(os.environ).store(order["orderId"], execution_id(), personal)
    logger.info(
        "order valid",
        extra={
            "items": len(order["items"]),
            "total": order["total"],
            "currency": order["currency"],
            "requiresApproval": order["requiresApproval"],
        },
    )
    return {"order": order}
