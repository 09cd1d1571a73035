"""Fixtures for the rag handler tests: moto data plane, stubbed Bedrock, HTTP double.

One mock_aws (and one set of buckets, table and index) per test module keeps boto3 from reloading
its service models for every test; each test still starts from empty buckets, table and index.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from tests.lambdas.rag.ragaws import ENVIRONMENT, REGION, DataPlane, FakePool, data_plane

# A public address every test host resolves to (the private-address rule: test_fetch.py).
PUBLIC_ADDRESS = "93.184.215.14"


@pytest.fixture(scope="module")
def _module_plane():
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ENVIRONMENT.items():
            patch.setenv(name, value)
        with mock_aws():
            yield data_plane()


def route_client(monkeypatch: pytest.MonkeyPatch, service: str, replacement: Any) -> None:
    """Make `shared.clients.client(service, ...)` return `replacement`; other services are unchanged."""
    from shared import clients

    previous = clients.client

    def client(name: str, config: Any = None) -> Any:
        return replacement if name == service else previous(name, config)

    monkeypatch.setattr(clients, "client", client)


@pytest.fixture
def aws(_module_plane: DataPlane, monkeypatch: pytest.MonkeyPatch) -> DataPlane:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    route_client(monkeypatch, "s3vectors", _module_plane.vectors)
    yield _module_plane
    _module_plane.clear()


@pytest.fixture
def bedrock(monkeypatch: pytest.MonkeyPatch):
    """A Stubber-backed bedrock-runtime client, the one `shared.clients.client("bedrock-runtime")` returns."""
    client = boto3.client("bedrock-runtime", region_name=REGION)
    stubber = Stubber(client)
    route_client(monkeypatch, "bedrock-runtime", client)
    with stubber:
        yield stubber


@pytest.fixture
def http(monkeypatch: pytest.MonkeyPatch) -> FakePool:
    from shared import http_fetch

    pool = FakePool(responses={})
    monkeypatch.setattr(http_fetch, "pool_manager", lambda: pool)
    monkeypatch.setattr(http_fetch, "resolve_host", lambda host: [PUBLIC_ADDRESS])
    return pool
