"""Fixtures for the rag handler tests: moto data plane, stubbed Bedrock, HTTP double.

One mock_aws (and one set of buckets, table and index) per test module keeps boto3 from reloading
its service models for every test; each test still starts from empty buckets, table and index.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from tests.lambdas.rag.ragaws import ENVIRONMENT, REGION, DataPlane, FakePool, data_plane


@pytest.fixture(scope="module")
def _module_plane():
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ENVIRONMENT.items():
            patch.setenv(name, value)
        with mock_aws():
            yield data_plane()


@pytest.fixture
def aws(_module_plane: DataPlane, monkeypatch: pytest.MonkeyPatch) -> DataPlane:
    from rag import clients

    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(clients, "s3vectors", lambda: _module_plane.vectors)
    yield _module_plane
    _module_plane.clear()


@pytest.fixture
def bedrock(monkeypatch: pytest.MonkeyPatch):
    """A Stubber-backed bedrock-runtime client returned by `rag.clients.bedrock_runtime`."""
    from rag import clients

    client = boto3.client("bedrock-runtime", region_name=REGION)
    stubber = Stubber(client)
    monkeypatch.setattr(clients, "bedrock_runtime", lambda: client)
    with stubber:
        yield stubber


@pytest.fixture
def http(monkeypatch: pytest.MonkeyPatch) -> FakePool:
    from rag import http_fetch

    pool = FakePool(responses={})
    monkeypatch.setattr(http_fetch, "pool_manager", lambda: pool)
    return pool
