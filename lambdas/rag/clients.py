"""boto3 clients, made once per execution environment (tests replace these factories with stubbed clients)."""

from __future__ import annotations

from typing import Any

from botocore.config import Config

from shared import clients

# Adaptive mode rate-limits the client itself after throttling, which is what a batch of
# concurrent embedding calls needs; what still fails surfaces as a named, retryable error.
_ADAPTIVE = Config(retries={"mode": "adaptive", "max_attempts": 5}, connect_timeout=5, read_timeout=60)
_STANDARD = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30)


def s3() -> Any:
    return clients.client("s3", config=_STANDARD)


def dynamodb() -> Any:
    return clients.client("dynamodb", config=_STANDARD)


def bedrock_runtime() -> Any:
    return clients.client("bedrock-runtime", config=_ADAPTIVE)


def s3vectors() -> Any:
    return clients.client("s3vectors", config=_ADAPTIVE)


def error_code(error: Exception) -> str:
    """The AWS error code of a botocore ClientError ('' for anything else)."""
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))
