"""Powertools idempotency keyed on one field of the request: a retried step returns its first result."""

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

from shared import clients, environment

Operation = Callable[..., dict[str, Any]]
TABLE_ENV = "IDEMPOTENCY_TABLE"
TTL_ENV = "IDEMPOTENCY_TTL_SECONDS"
DEFAULT_TTL_SECONDS = 86400


def once_per(
    operation: Operation,
    context: LambdaContext,
    *,
    key_field: str,
    key_prefix: str,
    payload_fields: tuple[str, ...] = (),
) -> Operation:
    """Wrap `operation(request=...)` so it runs once per `request[key_field]`.

    The record lives in the table named by `IDEMPOTENCY_TABLE` for `IDEMPOTENCY_TTL_SECONDS`.
    `payload_fields` must be equal on a repeat call (e.g. the amount), otherwise Powertools
    raises `IdempotencyValidationError` instead of returning a result for different terms.
    """
    config, persistence = _idempotency(
        key_prefix,
        key_field,
        payload_fields,
        environment.text(TABLE_ENV),
        environment.integer(TTL_ENV, DEFAULT_TTL_SECONDS),
    )
    config.register_lambda_context(context)
    return idempotent_function(  # type: ignore[no-any-return]
        operation,
        data_keyword_argument="request",
        persistence_store=persistence,
        config=config,
        key_prefix=key_prefix,
    )


@functools.cache
def _idempotency(
    key_prefix: str, key_field: str, payload_fields: tuple[str, ...], table: str, ttl_seconds: int
) -> tuple[IdempotencyConfig, DynamoDBPersistenceLayer]:
    """One config and persistence layer per operation, made once per execution environment.

    Powertools configures a persistence layer on its first use only, so each operation has its own.
    """
    config = IdempotencyConfig(
        event_key_jmespath=key_field,
        payload_validation_jmespath=f"[{', '.join(payload_fields)}]" if payload_fields else "",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=ttl_seconds,
    )
    persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=clients.client("dynamodb"))
    return config, persistence
