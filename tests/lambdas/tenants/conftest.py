"""Handler test set-up for the tenant tasks: the envelope, a fake context and the registry table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws
from tenants import contract

REGISTRY_TABLE = "tenants-registry"
EXECUTION_ID = "arn:aws:states:us-east-1:123456789012:execution:TenantProvisioning:acme-1"
TIERS = {
    "standard": {
        "maxUsers": 50,
        "monthlyBudgetUsd": 500,
        "supportLevel": "basic",
        "dataRetentionDays": 90,
    },
    "premium": {
        "maxUsers": 500,
        "monthlyBudgetUsd": 5000,
        "supportLevel": "business",
        "dataRetentionDays": 365,
    },
}
ENVIRONMENT = {
    contract.TENANT_TIERS_ENV: json.dumps(TIERS),
    contract.ALLOWED_OU_IDS_ENV: "",
    contract.RESERVED_OU_IDS_ENV: "ou-stpw-quarantine,ou-stpw-suspended",
    contract.ALLOWED_EMAIL_DOMAINS_ENV: "",
    contract.REGISTRY_TABLE_ENV: REGISTRY_TABLE,
    contract.ACCOUNT_ACCESS_ROLE_ENV: "StepwiseTenantAccess",
    "POWERTOOLS_SERVICE_NAME": "tenants-tests",
    "STEPWISE_ENV": "test",
}


@dataclass
class FakeContext:
    function_name: str = "tenants-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:tenants-test"
    aws_request_id: str = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def call(handler: Any, task_input: dict[str, Any], state: str = "Task") -> Any:
    """Invoke a task handler the way invoke_lambda does."""
    return handler({"input": task_input, "executionId": EXECUTION_ID, "stateName": state}, FakeContext())


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    return ENVIRONMENT


@pytest.fixture(scope="module")
def _registry() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=REGISTRY_TABLE,
            KeySchema=[{"AttributeName": contract.REGISTRY_KEY, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": contract.REGISTRY_KEY, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


@pytest.fixture
def registry(_registry: Any, environment: dict[str, str]) -> Any:
    """The registry table, emptied, with the handlers' environment set."""
    for item in _registry.scan(TableName=REGISTRY_TABLE)["Items"]:
        _registry.delete_item(
            TableName=REGISTRY_TABLE, Key={contract.REGISTRY_KEY: item[contract.REGISTRY_KEY]}
        )
    return _registry
