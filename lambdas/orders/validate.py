"""Validate task: check the incoming order and return it normalized; writes nothing."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from orders.order import Rules, parse_order
from shared.task import logger, task_handler


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return `{"order": <normalized order>}` or raise `InvalidOrder` naming the field."""
    order = parse_order(event_input, Rules.from_environment(os.environ))
    logger.append_keys(order_id=order["orderId"])
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
