"""Charge task: take the order total from the customer's payment method, once per order.

The payment token is not in the task input: it is read from the order's personal data item.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from orders.errors import PaymentProviderUnavailable
from orders.idempotency import once_per_order
from orders.payments import ChargeRequest
from orders.personal_data import PersonalDataStore
from orders.providers import adapter_from_environment
from shared.errors import InvalidInput, TransientError
from shared.task import logger, metrics, task_handler


def _charge(request: dict[str, Any]) -> dict[str, Any]:
    adapter = adapter_from_environment()
    return adapter.charge(ChargeRequest.from_input(request)).to_dict()


def _payment_token(order_id: str) -> str:
    try:
        return PersonalDataStore.from_environment().get(order_id).payment_token
    except TransientError as error:
        # The step's Retry covers the provider's transient error: a busy lookup is retried alike.
        raise PaymentProviderUnavailable(str(error)) from None


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return the charge receipt; raise `PaymentDeclined` (final) or a retryable error."""
    order_id = event_input.get("orderId")
    if not isinstance(order_id, str):
        raise InvalidInput("orderId: required str")
    terms = {**event_input, "paymentToken": _payment_token(order_id)}
    request = ChargeRequest.from_input(terms)
    logger.append_keys(order_id=request.order_id)
    charge = once_per_order(
        _charge, context, name="charge", payload_fields=("amountMinor", "currency", "paymentToken")
    )
    receipt = charge(request=terms)
    metrics.add_metric(name="OrderCharged", unit=MetricUnit.Count, value=1)
    logger.info("order charged", extra={"chargeId": receipt["chargeId"]})
    return receipt
