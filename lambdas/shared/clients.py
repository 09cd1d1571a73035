"""AWS SDK clients made once per execution environment and reused by all of its invocations.

Creating a boto3 client loads the service model and resolves credentials and endpoints (milliseconds
each time); Lambda keeps module state between invocations of one environment, so a client made on
first use serves every later invocation there. The cache is keyed on the region and endpoint the
environment sets, so a process that changes them (tests) gets a client for the new ones.

Two retry configurations: `STANDARD` for ordinary calls, `ADAPTIVE` for bursts of concurrent calls
to a throttling service (the client then rate-limits itself; what still fails surfaces as the
handler's named, retryable error).
"""

from __future__ import annotations

import functools
import os
from typing import Any

import boto3
from botocore.config import Config

STANDARD = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30)
ADAPTIVE = Config(retries={"mode": "adaptive", "max_attempts": 5}, connect_timeout=5, read_timeout=60)


def client(service: str, config: Config | None = None) -> Any:
    """The environment's boto3 client for `service` (created on first use)."""
    return _client(service, config, *_location())


def resource(service: str) -> Any:
    """The environment's boto3 resource for `service` (created on first use)."""
    return _resource(service, *_location())


def error_code(error: BaseException) -> str:
    """The AWS error code of a botocore ClientError ('' for anything else)."""
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _location() -> tuple[str | None, str | None]:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return region, os.environ.get("AWS_ENDPOINT_URL")


@functools.cache
def _client(service: str, config: Config | None, region: str | None, endpoint: str | None) -> Any:
    return boto3.client(service, config=config, region_name=region, endpoint_url=endpoint)


@functools.cache
def _resource(service: str, region: str | None, endpoint: str | None) -> Any:
    return boto3.resource(service, region_name=region, endpoint_url=endpoint)
