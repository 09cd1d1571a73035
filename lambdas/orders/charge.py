"""Charge task: take the order total from the customer's payment method, once per order."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from orders.idempotency import once_per_order
from orders.payments import ChargeRequest
from orders.providers import adapter_from_environment
from shared.task import logger, metrics, task_handler


def _charge(request: dict[str, Any]) -> dict[str, Any]:
    adapter = adapter_from_environment(os.environ)
    return adapter.charge(ChargeRequest.from_input(request)).to_dict()


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return the charge receipt; raise `PaymentDeclined` (final) or a retryable error."""
    request = ChargeRequest.from_input(event_input)
    logger.append_keys(order_id=request.order_id)
    charge = once_per_order(
        _charge, context, name="charge", payload_fields=("amountMinor", "currency", "paymentToken")
    )
    receipt = charge(request=dict(event_input))
    metrics.add_metric(name="OrderCharged", unit=MetricUnit.Count, value=1)
    logger.info("order charged", extra={"chargeId": receipt["chargeId"]})
    return receipt
