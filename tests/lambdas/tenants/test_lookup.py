"""LoadExistingTenant: the idempotent answer for a claimed tenant id, and own-claim detection."""

from __future__ import annotations

import pytest
from tenants import lookup
from tenants.lookup import TenantRecordMissing

from .conftest import EXECUTION_ID, REGISTRY_TABLE, call


def put(registry, **attributes: dict) -> None:
    registry.put_item(TableName=REGISTRY_TABLE, Item={"tenantId": {"S": "acme"}, **attributes})


def test_returns_the_plain_record_of_an_existing_tenant(registry) -> None:
    put(
        registry,
        status={"S": "ACTIVE"},
        accountId={"S": "111122223333"},
        executionId={"S": "arn:aws:states:us-east-1:123456789012:execution:Tenants:first"},
        baseline={"SS": ["b-two", "b-one"]},
        tierDefaults={"M": {"maxUsers": {"N": "50"}, "ratio": {"N": "0.5"}}},
    )
    result = call(lookup.handler, {"tenantId": "acme", "executionId": EXECUTION_ID})
    assert result["created"] is False
    assert result["ownClaim"] is False
    assert result["tenant"] == {
        "tenantId": "acme",
        "status": "ACTIVE",
        "accountId": "111122223333",
        "executionId": "arn:aws:states:us-east-1:123456789012:execution:Tenants:first",
        "baseline": ["b-one", "b-two"],
        "tierDefaults": {"maxUsers": 50, "ratio": 0.5},
    }


def test_a_claim_made_by_this_execution_is_recognised(registry) -> None:
    put(registry, status={"S": "PROVISIONING"}, executionId={"S": EXECUTION_ID})
    result = call(lookup.handler, {"tenantId": "acme", "executionId": EXECUTION_ID})
    assert result["ownClaim"] is True


def test_another_executions_provisioning_claim_is_not_ours(registry) -> None:
    put(registry, status={"S": "PROVISIONING"}, executionId={"S": "arn:other"})
    result = call(lookup.handler, {"tenantId": "acme", "executionId": EXECUTION_ID})
    assert result["ownClaim"] is False
    assert result["tenant"]["status"] == "PROVISIONING"


def test_a_vanished_record_is_a_named_error(registry) -> None:
    with pytest.raises(TenantRecordMissing):
        call(lookup.handler, {"tenantId": "acme", "executionId": EXECUTION_ID})


def test_input_contract(registry) -> None:
    from shared.errors import InvalidInput

    with pytest.raises(InvalidInput):
        call(lookup.handler, {"tenantId": "acme"})
