"""Refund task (compensation): return whatever was charged for the order; a no-op if nothing was."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from orders.idempotency import once_per_order
from orders.payments import RefundRequest
from orders.providers import adapter_from_environment
from shared.task import logger, task_handler


def _refund(request: dict[str, Any]) -> dict[str, Any]:
    adapter = adapter_from_environment()
    return adapter.refund(RefundRequest.from_input(request)).to_dict()


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return the refund receipt (`REFUNDED` or `NOTHING_TO_REFUND`)."""
    request = RefundRequest.from_input(event_input)
    logger.append_keys(order_id=request.order_id)
    refund = once_per_order(_refund, context, name="refund")
    receipt = refund(request={"orderId": request.order_id, "reason": request.reason})
    logger.info("refund settled", extra={"status": receipt["status"]})
    return receipt
