"""Fixtures for the agent handler tests: one moto account per module, a Stubber-backed Bedrock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from tests.lambdas.agent.agentaws import ENVIRONMENT, EXECUTION_ID, REGION, Account, account
from tests.lambdas.orders.conftest import FakeContext
from tests.lambdas.rag.conftest import route_client


@pytest.fixture(scope="module")
def _module_account() -> Iterator[Account]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ENVIRONMENT.items():
            patch.setenv(name, value)
        with mock_aws():
            yield account()


@pytest.fixture
def aws(_module_account: Account, monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    """The module's account, emptied after the test, with the handlers' environment set."""
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("APPROVAL_TOPIC_ARN", _module_account.approval_topic_arn)
    monkeypatch.setenv("APPROVAL_TOKEN_KEY", _module_account.approval_token_key)
    from shared import idempotency

    idempotency._idempotency.cache_clear()
    yield _module_account
    _module_account.clear()


@pytest.fixture
def bedrock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """A Stubber on a real bedrock-runtime client (the botocore model checks every request and
    response), returned by `shared.clients.client("bedrock-runtime", ...)`."""
    client = boto3.client("bedrock-runtime", region_name=REGION)
    stubber = Stubber(client)
    route_client(monkeypatch, "bedrock-runtime", client)
    with stubber:
        yield stubber
    stubber.assert_no_pending_responses()


def call(handler: Any, task_input: dict[str, Any], execution: str = EXECUTION_ID) -> Any:
    """Invoke a task handler the way invoke_lambda does."""
    return handler({"input": task_input, "executionId": execution, "stateName": "Task"}, FakeContext())
