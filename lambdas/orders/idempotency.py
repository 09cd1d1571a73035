"""Powertools idempotency keyed on the order: a retried step returns its first result."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from orders import contract
from shared import clients, environment

Operation = Callable[..., dict[str, Any]]


def once_per_order(
    operation: Operation,
    context: LambdaContext,
    *,
    name: str,
    payload_fields: tuple[str, ...] = (),
) -> Operation:
    """Wrap `operation(request=...)` so it runs once per `request["orderId"]`.

    The record lives in the table named by `IDEMPOTENCY_TABLE` for `IDEMPOTENCY_TTL_SECONDS`.
    `payload_fields` must be equal on a repeat call (e.g. the amount), otherwise Powertools
    raises `IdempotencyValidationError` instead of returning a result for different terms.
    """
    config, persistence = _idempotency(
        name,
        payload_fields,
        environment.text(contract.IDEMPOTENCY_TABLE_ENV),
        environment.integer(contract.IDEMPOTENCY_TTL_ENV, 86400),
    )
    config.register_lambda_context(context)
    return idempotent_function(  # type: ignore[no-any-return]
        operation,
        data_keyword_argument="request",
        persistence_store=persistence,
        config=config,
        key_prefix=f"orders.{name}",
    )


@functools.cache
def _idempotency(
    name: str, payload_fields: tuple[str, ...], table: str, ttl_seconds: int
) -> tuple[IdempotencyConfig, DynamoDBPersistenceLayer]:
    """One config and persistence layer per operation, made once per execution environment.

    Powertools configures a persistence layer on its first use only, so each operation has its own.
    """
    config = IdempotencyConfig(
        event_key_jmespath="orderId",
        payload_validation_jmespath=f"[{', '.join(payload_fields)}]" if payload_fields else "",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=ttl_seconds,
    )
    persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=clients.client("dynamodb"))
    return config, persistence
