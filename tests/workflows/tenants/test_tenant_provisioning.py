"""Tenant provisioning end to end through localrun: the synthesized state machine on moto.

Organizations, StackSets (instances deployed into the tenant account), DynamoDB, EventBridge and SNS
are moto's; the validation and lookup handlers run in-process. Services' failure modes that moto
cannot produce (EMAIL_ALREADY_EXISTS, an activation that never ends, a failed StackSet operation)
answer the named Task states from a MockConfigFile test case.
"""

from __future__ import annotations

import pytest

from localrun import Fault
from localrun.samples import Sample, discover
from scripts.tenants.local import activation_latency, tenant_session
from tests.support.worlds.tenants import QUARANTINE, TENANTS_OU, TIMEOUT, TenantsWorld, request

ACTIVATION_POLLS = 40  # cdk.json dev: tenants.activation.maxPolls (default)


def test_happy_path_creates_moves_baselines_registers_and_announces(harness: TenantsWorld) -> None:
    with activation_latency(polls=2):
        result = harness.run(request(harness, "acme"), name="acme-1")
    assert result.status == "SUCCEEDED", result.trace()
    tenant = result.output["tenant"]
    account_id = tenant["accountId"]
    assert result.output["created"] is True
    assert tenant["status"] == "ACTIVE" and tenant["tier"] == "premium"
    assert sorted(tenant["baseline"]) == harness.stack_sets
    assert result.entered("GetAccountStatus") == 3, "two IN_PROGRESS polls, then SUCCEEDED"

    assert harness.organization.parent_of(account_id) == harness.organization.ous["tenants"]
    assert harness.instances(account_id) == {name: ["CURRENT"] for name in harness.stack_sets}
    ec2 = tenant_session(account_id).client("ec2")
    assert ec2.describe_vpcs(Filters=[{"Name": "tag:stepwise:tenant", "Values": ["acme"]}])["Vpcs"]
    ssm = tenant_session(account_id).client("ssm")
    assert ssm.get_parameter(Name="/stepwise/tenant/tier")["Parameter"]["Value"] == "premium"

    record = harness.record("acme")
    assert record["status"] == {"S": "ACTIVE"}
    assert record["accountId"] == {"S": account_id}
    assert record["tierDefaults"]["M"]["maxUsers"] == {"N": "500"}
    assert record["tags"] == {"M": {"cost-center": {"S": "cc-42"}}}
    assert sorted(record["baseline"]["SS"]) == harness.stack_sets
    assert {"claimedAt", "createAccountRequestId", "accountCreatedAt", "activatedAt"} <= set(record)

    [event] = harness.events("acme")
    assert event["detail-type"] == "TenantProvisioned"
    assert event["detail"]["accountId"] == account_id
    [note] = harness.notifications("acme")
    assert note["event"] == "TenantProvisioned" and note["accountId"] == account_id
    print(f"\nhappy path: {result.transitions} transitions, {result.simulated_seconds:.0f}s simulated")


def test_the_same_tenant_twice_gets_one_account(harness: TenantsWorld) -> None:
    first = harness.run(request(harness, "globex"), name="globex-1")
    assert first.status == "SUCCEEDED", first.trace()
    assert len(harness.events("globex")) == 1
    again = harness.run(request(harness, "globex", email="other@example.com"), name="globex-2")
    assert again.status == "SUCCEEDED", again.trace()
    assert again.output["created"] is False
    assert again.output["tenant"]["accountId"] == first.output["tenant"]["accountId"]
    assert again.output["tenant"]["status"] == "ACTIVE"
    assert "CreateAccount" not in again.states
    assert len(harness.organization.account_named("Globex Corp")) == 1
    assert harness.events("globex") == [], "the second submission announces nothing"


def test_email_already_exists_fails_named_and_can_be_resubmitted(harness: TenantsWorld) -> None:
    accounts_before = len(harness.organization.accounts())
    result = harness.run(request(harness, "initech"), name="initech-1", test_case="EmailAlreadyExists")
    assert result.status == "FAILED"
    assert result.error == "EmailAlreadyExists"
    assert "EMAIL_ALREADY_EXISTS" in result.cause
    assert len(harness.organization.accounts()) == accounts_before
    record = harness.record("initech")
    assert record["status"] == {"S": "FAILED"}
    assert record["failedStep"] == {"S": "CreateAccount"}
    assert record["failureError"] == {"S": "EmailAlreadyExists"}
    assert record["quarantine"] == {"S": "NO_ACCOUNT"}
    [event] = harness.events("initech")
    assert event["detail-type"] == "TenantProvisioningFailed"
    assert event["detail"]["error"] == "EmailAlreadyExists"

    retried = harness.run(request(harness, "initech", email="aws+initech-2@example.com"), name="initech-2")
    assert retried.status == "SUCCEEDED", retried.trace()
    assert retried.output["created"] is True
    assert harness.record("initech")["status"] == {"S": "ACTIVE"}


def test_other_account_creation_failures_are_named_with_the_reason(harness: TenantsWorld) -> None:
    result = harness.run(request(harness, "wonka"), name="wonka-1", test_case="AccountLimitExceeded")
    assert result.status == "FAILED"
    assert result.error == "AccountCreationFailed"
    assert result.cause == "Organizations reported ACCOUNT_LIMIT_EXCEEDED for request car-mocked0request"
    assert harness.record("wonka")["failureError"] == {"S": "AccountCreationFailed"}


def test_an_account_that_cannot_be_moved_is_quarantined_not_left_in_the_root(harness: TenantsWorld) -> None:
    fault = Fault(state="MoveAccount", error="Organizations.ConstraintViolationException", times=None)
    result = harness.run(request(harness, "cyberdyne"), name="cyberdyne-1", faults=[fault])
    assert result.status == "FAILED"
    assert result.error == "Organizations.ConstraintViolationException"
    record = harness.record("cyberdyne")
    assert record["failedStep"] == {"S": "MoveAccount"}
    assert record["quarantine"] == {"S": "QUARANTINED"}
    assert harness.organization.parent_of(record["accountId"]["S"]) == QUARANTINE
    assert "ApplyBaseline" not in result.states


def test_activation_that_never_completes_is_bounded(harness: TenantsWorld) -> None:
    result = harness.run(request(harness, "hooli"), name="hooli-1", test_case="ActivationNeverCompletes")
    assert result.status == "FAILED"
    assert result.error == "AccountActivationTimedOut"
    assert f"after {ACTIVATION_POLLS} polls 30 seconds apart" in result.cause
    assert result.entered("GetAccountStatus") == ACTIVATION_POLLS
    assert result.simulated_seconds >= ACTIVATION_POLLS * 30
    record = harness.record("hooli")
    assert record["status"] == {"S": "FAILED"}
    assert record["failureError"] == {"S": "AccountActivationTimedOut"}
    assert record["createAccountRequestId"] == {"S": "car-mocked0request"}
    [event] = harness.events("hooli")
    assert event["detail"]["quarantine"] == {"status": "NO_ACCOUNT"}
    assert event["detail"]["account"]["requestId"] == "car-mocked0request", "the account may still appear"


def test_failed_baseline_operation_quarantines_the_account(harness: TenantsWorld) -> None:
    result = harness.run(request(harness, "umbrella"), name="umbrella-1", test_case="BaselineOperationFails")
    assert result.status == "FAILED"
    assert result.error == "BaselineOperationFailed"
    assert "The maximum number of VPCs has been reached." in result.cause
    record = harness.record("umbrella")
    account_id = record["accountId"]["S"]
    assert harness.organization.parent_of(account_id) == QUARANTINE
    assert record["status"] == {"S": "FAILED"}
    assert record["failedStep"] == {"S": "ApplyBaseline"}
    assert record["quarantine"] == {"S": "QUARANTINED"}
    [event] = harness.events("umbrella")
    assert event["detail"]["quarantine"] == {
        "status": "QUARANTINED",
        "organizationalUnitId": QUARANTINE,
        "accountId": account_id,
    }
    [note] = harness.notifications("umbrella")
    assert note["event"] == "TenantProvisioningFailed" and note["step"] == "ApplyBaseline"


def test_invalid_request_is_rejected_before_anything_is_claimed(harness: TenantsWorld) -> None:
    result = harness.run(request(harness, "Bad_Id", tier="gold"), name="bad-1")
    assert result.status == "FAILED"
    assert result.error == "InvalidInput"
    assert "tenantId" in result.cause and "tier" in result.cause
    assert result.states[-1] == "RequestRejected"
    assert harness.record("Bad_Id") is None


def test_throttled_account_creation_is_retried(harness: TenantsWorld) -> None:
    result = harness.run(
        request(harness, "soylent"),
        name="soylent-1",
        faults=[Fault(state="CreateAccount", error="Organizations.TooManyRequestsException", times=2)],
    )
    assert result.status == "SUCCEEDED", result.trace()
    assert result.retries >= 2
    assert len(harness.organization.account_named("Soylent Corp")) == 1


@pytest.mark.parametrize("sample", discover(workflow="tenants"), ids=lambda sample: sample.name)
def test_shipped_samples_behave_as_they_say(harness: TenantsWorld, sample: Sample) -> None:
    assert sample.input.get("organizationalUnitId") == TENANTS_OU
    result = sample.run(harness.runner, timeout=TIMEOUT)
    assert sample.mismatches(result) == []
