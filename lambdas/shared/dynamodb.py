"""DynamoDB errors as handlers need them: which failures are transient, and the code of a ClientError."""

from __future__ import annotations

from collections.abc import Callable

from botocore.exceptions import ClientError

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


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def transient_or_original(
    error: ClientError, transient: Callable[[str], Exception], codes: frozenset[str] = TRANSIENT_CODES
) -> Exception:
    """`transient(code)` when the error's code is in `codes` (safe to retry), else the error itself."""
    code = error_code(error)
    return transient(code) if code in codes else error
