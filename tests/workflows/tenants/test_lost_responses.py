"""Lost responses (the call took effect, its answer never arrived) in tenant provisioning, through
localrun: every effect stays single and every account ends in a tenant's OU with its record.

CreateAccount has no idempotency token: a blind retry of an accepted request fails on AWS with
EMAIL_ALREADY_EXISTS (localrun's Organizations emulation does the same) and strands the first
account in the root. The workflow reconciles instead (ReconcileAccount).
"""

from __future__ import annotations

from typing import Any

import pytest

from localrun import Fault, RunResult
from scripts.tenants.local import activation_latency
from tests.support.worlds.tenants import QUARANTINE, TENANTS_OU, TenantsWorld, request


def lost(state: str, error: str) -> Fault:
    return Fault(state=state, error=error, ambiguous=True)


def assert_one_recorded_account_in_the_tenant_ou(
    harness: TenantsWorld, result: RunResult, tenant_id: str
) -> str:
    """The run created exactly one account for the tenant, in its OU, and the record holds it."""
    assert result.status == "SUCCEEDED", result.trace()
    [account] = harness.accounts_with_email(f"aws+{tenant_id}@example.com")
    assert harness.organization.parent_of(account["Id"]) == TENANTS_OU
    record = harness.record(tenant_id)
    assert record is not None
    assert record["status"] == {"S": "ACTIVE"}
    assert record["accountId"] == {"S": account["Id"]}
    request_id = record["createAccountRequestId"]["S"]
    status = harness.organization.client.describe_create_account_status(CreateAccountRequestId=request_id)
    assert status["CreateAccountStatus"]["AccountId"] == account["Id"], "the request that made it"
    assert result.output["tenant"]["accountId"] == account["Id"]
    return str(account["Id"])


def reconciled(result: RunResult) -> list[Any]:
    """What each ReconcileAccount attempt answered (its output, or its error type)."""
    return [
        invocation.error_type or result.state_output("ReconcileAccount")["account"]["reconciled"]
        for invocation in result.invocations
        if invocation.state == "ReconcileAccount"
    ]


@pytest.mark.parametrize(
    "error",
    ["Organizations.ServiceException", "States.Timeout"],
    ids=["service-exception", "task-timeout"],
)
def test_create_account_accepted_but_unanswered_gives_one_account_in_the_tenant_ou(
    harness: TenantsWorld, error: str
) -> None:
    tenant_id = "acme" if error.startswith("Organizations") else "acme-timeout"

    result = harness.run(
        request(harness, tenant_id), name=f"{tenant_id}-1", faults=[lost("CreateAccount", error)]
    )

    assert_one_recorded_account_in_the_tenant_ou(harness, result, tenant_id)
    assert result.entered("CreateAccount") == 1, "never sent blindly again"
    assert reconciled(result) == ["ADOPTED"]
    assert "EmailAlreadyExists" not in result.states
    [event] = harness.events(tenant_id)
    assert event["detail-type"] == "TenantProvisioned"


def test_a_lost_answer_while_the_account_is_being_created_waits_for_it(harness: TenantsWorld) -> None:
    with activation_latency(polls=3):
        result = harness.run(
            request(harness, "globex"),
            name="globex-1",
            faults=[lost("CreateAccount", "Organizations.ServiceException")],
        )

    assert_one_recorded_account_in_the_tenant_ou(harness, result, "globex")
    answers = reconciled(result)
    assert answers[-1] == "ADOPTED"
    assert set(answers[:-1]) == {"AccountRequestPending"} and len(answers) > 1, answers


def test_an_unanswered_create_account_that_was_not_accepted_is_requested_once(harness: TenantsWorld) -> None:
    result = harness.run(
        request(harness, "initech"),
        name="initech-1",
        faults=[Fault(state="CreateAccount", error="Organizations.ServiceException")],
    )

    assert_one_recorded_account_in_the_tenant_ou(harness, result, "initech")
    assert reconciled(result) == ["REQUESTED"]


def test_the_reconciler_losing_its_own_answer_still_makes_one_account(harness: TenantsWorld) -> None:
    result = harness.run(
        request(harness, "tyrell"),
        name="tyrell-1",
        faults=[
            Fault(state="CreateAccount", error="Organizations.ServiceException"),
            lost("ReconcileAccount", "Lambda.ServiceException"),
        ],
    )

    assert_one_recorded_account_in_the_tenant_ou(harness, result, "tyrell")
    assert [i.error_type for i in result.invocations if i.state == "ReconcileAccount"] == [None, None]
    assert result.state_output("ReconcileAccount")["account"]["reconciled"] == "ADOPTED"


@pytest.mark.parametrize(
    ("faults", "named"),
    [([], "EmailAlreadyExists"), ([lost("CreateAccount", "Organizations.ServiceException")], None)],
    ids=["answered", "answer-lost"],
)
def test_an_email_owned_by_another_tenants_account_is_a_named_failure(
    harness: TenantsWorld, faults: list[Fault], named: str | None
) -> None:
    owner, tenant_id = ("hooli", "piedpiper") if faults else ("hooli-2", "piedpiper-2")
    first = harness.run(request(harness, owner), name=f"{owner}-1")
    assert first.status == "SUCCEEDED", first.trace()
    owners_account = first.output["tenant"]["accountId"]
    email = f"aws+{owner}@example.com"
    accounts_before = {account["Id"] for account in harness.organization.accounts()}

    result = harness.run(request(harness, tenant_id, email=email), name=f"{tenant_id}-1", faults=faults)

    assert result.status == "FAILED"
    assert result.error == (named or "EmailBelongsToAnotherAccount")
    if named is None:
        assert f"belongs to account {owners_account} (tenant {owner})" in result.cause
    assert {account["Id"] for account in harness.organization.accounts()} == accounts_before
    assert harness.organization.parent_of(owners_account) == TENANTS_OU, "the owner's account is untouched"
    record = harness.record(tenant_id)
    assert record is not None
    assert record["status"] == {"S": "FAILED"}
    assert record["failureError"] == {"S": result.error}
    assert record["quarantine"] == {"S": "NO_ACCOUNT"}
    assert "QuarantineAccount" not in result.states
    [event] = harness.events(tenant_id)
    assert event["detail"]["error"] == result.error

    again = harness.run(request(harness, tenant_id), name=f"{tenant_id}-2")
    assert again.status == "SUCCEEDED", again.trace()
    assert again.output["created"] is True, "no account was made: the tenant may be submitted again"
    assert_one_recorded_account_in_the_tenant_ou(harness, again, tenant_id)


def test_reconciling_that_fails_marks_the_tenant_as_maybe_holding_an_account(harness: TenantsWorld) -> None:
    result = harness.run(
        request(harness, "cyberdyne"),
        name="cyberdyne-1",
        faults=[
            lost("CreateAccount", "Organizations.ServiceException"),
            Fault(state="ReconcileAccount", error="Organizations.AccessDeniedException", times=None),
        ],
    )

    assert (result.status, result.error) == ("FAILED", "Organizations.AccessDeniedException")
    record = harness.record("cyberdyne")
    assert record is not None
    assert record["failedStep"] == {"S": "CreateAccount"}
    assert record["quarantine"] == {"S": "QUARANTINE_FAILED"}, "not NO_ACCOUNT: one may exist"
    [event] = harness.events("cyberdyne")
    assert event["detail"]["account"] == {"state": "UNCONFIRMED"}
    assert event["detail"]["quarantine"]["status"] == "QUARANTINE_FAILED"
    [account] = harness.accounts_with_email("aws+cyberdyne@example.com")
    tags = harness.organization.client.list_tags_for_resource(ResourceId=account["Id"])["Tags"]
    assert {"Key": "stepwise:tenant", "Value": "cyberdyne"} in tags, "findable by its tenant tag"


def test_a_claim_whose_answer_was_lost_fails_later_steps_by_name(harness: TenantsWorld) -> None:
    result = harness.run(
        request(harness, "oscorp"),
        name="oscorp-1",
        faults=[
            lost("ClaimTenant", "DynamoDB.InternalServerErrorException"),
            Fault(state="CreateAccount", error="Organizations.AccessDeniedException", times=None),
        ],
    )

    assert result.status == "FAILED"
    assert result.error == "Organizations.AccessDeniedException"
    assert "ResumeOwnClaim" in result.states
    record = harness.record("oscorp")
    assert record is not None
    assert record["failedStep"] == {"S": "CreateAccount"}
    assert record["quarantine"] == {"S": "NO_ACCOUNT"}
    [event] = harness.events("oscorp")
    assert event["detail"]["account"] == {"state": "NOT_REQUESTED"}


@pytest.mark.parametrize(
    ("state", "error"),
    [
        ("ActivateTenant", "DynamoDB.InternalServerErrorException"),
        ("RecordAccount", "DynamoDB.InternalServerErrorException"),
        ("MoveAccount", "Organizations.ServiceException"),
    ],
)
def test_writes_retried_after_their_own_effect_carry_on(
    harness: TenantsWorld, state: str, error: str
) -> None:
    tenant_id = f"soylent-{state.lower()}"

    result = harness.run(request(harness, tenant_id), name=f"{tenant_id}-1", faults=[lost(state, error)])

    assert_one_recorded_account_in_the_tenant_ou(harness, result, tenant_id)
    assert result.retries >= 1


def test_a_quarantine_move_retried_after_its_own_effect_still_quarantines(harness: TenantsWorld) -> None:
    result = harness.run(
        request(harness, "umbrella"),
        name="umbrella-1",
        test_case="BaselineOperationFails",
        faults=[lost("QuarantineAccount", "Organizations.ServiceException")],
    )

    assert result.error == "BaselineOperationFailed"
    record = harness.record("umbrella")
    assert record is not None
    assert record["quarantine"] == {"S": "QUARANTINED"}
    assert harness.organization.parent_of(record["accountId"]["S"]) == QUARANTINE
