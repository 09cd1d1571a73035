"""DynamoDB errors as handlers need them: which failures are transient, and the code of a ClientError."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shared.clients import error_code

# Throttling and server faults: the request may be sent again (DynamoDB API reference, "Error handling").
TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ThrottlingException",
        "InternalServerError",
        "ServiceUnavailable",
    }
)


def transient_or_original(
    error: ClientError, transient: Callable[[str], Exception], codes: frozenset[str] = TRANSIENT_CODES
) -> Exception:
    """`transient(code)` when the error's code is in `codes` (safe to retry), else the error itself."""
    code = error_code(error)
    return transient(code) if code in codes else error


def consistent_get(
    client: Any, table_name: str, key: dict[str, Any], transient: type[Exception], what: str
) -> dict[str, Any] | None:
    """GetItem with a consistent read; throttling, server faults and connection failures become
    `transient("<what> busy: <code>")` / `transient("<what> unreachable: ...")`, safe to retry."""
    with transient_failures(transient, what):
        response = client.get_item(TableName=table_name, Key=key, ConsistentRead=True)
    item: dict[str, Any] | None = response.get("Item")
    return item


@contextmanager
def transient_failures(transient: type[Exception], what: str) -> Iterator[None]:
    """Within the block, throttling and server faults become `transient("<what> busy: <code>")` and
    connection failures `transient("<what> unreachable: ...")`; any other ClientError is raised as is."""
    try:
        yield
    except ClientError as error:
        raise transient_or_original(error, lambda code: transient(f"{what} busy: {code}")) from None
    except BotoCoreError as error:
        raise transient(f"{what} unreachable: {error}") from None
