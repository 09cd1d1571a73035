"""Powertools idempotency keyed on the order: a retried step returns its first result."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.idempotency import Operation, once_per


def once_per_order(
    operation: Operation,
    context: LambdaContext,
    *,
    name: str,
    payload_fields: tuple[str, ...] = (),
) -> Operation:
    """Wrap `operation(request=...)` so it runs once per `request["orderId"]` (see `shared.idempotency`)."""
    return once_per(
        operation, context, key_field="orderId", key_prefix=f"orders.{name}", payload_fields=payload_fields
    )
