"""ReconcileAccount: adopt the request a lost CreateAccount made, never a second account or another's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import Stubber
from tenants import reconcile
from tenants.organization import SINGLE_ATTEMPT, AccountRequest, Organization
from tenants.reconcile import (
    AccountRequestPending,
    AccountRequestRejected,
    AccountRequestUnconfirmed,
    EmailBelongsToAnotherAccount,
    TenantNotClaimed,
)

from shared.errors import InvalidInput

from .conftest import EXECUTION_ID, REGISTRY_TABLE, call

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def organizations(_registry: Any) -> Any:
    """The organization, in the same moto as the registry (accounts accumulate: names differ per test)."""
    client = boto3.client("organizations", region_name="us-east-1")
    client.create_organization(FeatureSet="ALL")
    return client


def claim(registry: Any, tenant_id: str, *, at: datetime = NOW, execution: str = EXECUTION_ID) -> None:
    registry.put_item(
        TableName=REGISTRY_TABLE,
        Item={
            "tenantId": {"S": tenant_id},
            "status": {"S": "PROVISIONING"},
            "executionId": {"S": execution},
            "claimedAt": {"S": at.isoformat(timespec="milliseconds").replace("+00:00", "Z")},
        },
    )


def task_input(tenant_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "tenantId": tenant_id,
        "accountName": f"{tenant_id.title()} Corp",
        "email": f"aws+{tenant_id}@example.com",
        "accountTags": [
            {"Key": "stepwise:tenant", "Value": tenant_id},
            {"Key": "stepwise:tier", "Value": "premium"},
        ],
        "executionId": EXECUTION_ID,
        **overrides,
    }


def create(organizations: Any, tenant_id: str, *, name: str | None = None, email: str | None = None) -> str:
    """An account as the workflow's CreateAccount makes it: the request id."""
    status = organizations.create_account(
        AccountName=name or f"{tenant_id.title()} Corp",
        Email=email or f"aws+{tenant_id}@example.com",
        Tags=[{"Key": "stepwise:tenant", "Value": tenant_id}],
    )["CreateAccountStatus"]
    return str(status["Id"])


def accounts(organizations: Any, email: str) -> list[dict[str, Any]]:
    return [account for account in organizations.list_accounts()["Accounts"] if account["Email"] == email]


def test_the_request_the_claim_made_is_adopted(registry: Any, organizations: Any) -> None:
    claim(registry, "acme", at=NOW - timedelta(minutes=1))
    request_id = create(organizations, "acme")

    result = call(reconcile.handler, task_input("acme"), state="ReconcileAccount")

    assert result == {"requestId": request_id, "polls": 0, "reconciled": "ADOPTED"}
    assert len(accounts(organizations, "aws+acme@example.com")) == 1, "no second account"


def test_the_account_is_requested_when_the_lost_call_made_none(registry: Any, organizations: Any) -> None:
    claim(registry, "globex")

    result = call(reconcile.handler, task_input("globex"))

    assert result["reconciled"] == "REQUESTED"
    [account] = accounts(organizations, "aws+globex@example.com")
    status = organizations.describe_create_account_status(CreateAccountRequestId=result["requestId"])
    assert status["CreateAccountStatus"]["AccountId"] == account["Id"]
    tags = organizations.list_tags_for_resource(ResourceId=account["Id"])["Tags"]
    assert {"Key": "stepwise:tenant", "Value": "globex"} in tags


def test_an_email_held_by_another_tenants_account_is_a_named_failure(
    registry: Any, organizations: Any
) -> None:
    claim(registry, "initech")
    create(organizations, "hooli", email="aws+initech@example.com")

    with pytest.raises(EmailBelongsToAnotherAccount, match=r"account \d{12} \(tenant hooli\)"):
        call(reconcile.handler, task_input("initech"))

    assert len(accounts(organizations, "aws+initech@example.com")) == 1


def test_an_account_requested_before_the_claim_is_not_adopted(registry: Any, organizations: Any) -> None:
    create(organizations, "umbrella")
    claim(registry, "umbrella", at=NOW + timedelta(hours=1))

    with pytest.raises(EmailBelongsToAnotherAccount, match="tenant umbrella"):
        call(reconcile.handler, task_input("umbrella"))


def test_a_namesake_with_another_email_is_not_adopted(registry: Any, organizations: Any) -> None:
    claim(registry, "wonka", at=NOW - timedelta(minutes=1))
    namesake = create(organizations, "wonka-eu", name="Wonka Corp")

    result = call(reconcile.handler, task_input("wonka"))

    assert result["reconciled"] == "REQUESTED" and result["requestId"] != namesake
    assert len(accounts(organizations, "aws+wonka@example.com")) == 1


def request_for(tenant_id: str) -> AccountRequest:
    return AccountRequest(tenant_id, f"{tenant_id.title()} Corp", f"aws+{tenant_id}@example.com", (), "Role")


def stubbed(method: str, response: dict[str, Any] | None = None, **error: Any) -> tuple[Any, Stubber]:
    client = boto3.client("organizations", region_name="us-east-1")
    stubber = Stubber(client)
    if error:
        stubber.add_client_error(method, **error)
    else:
        stubber.add_response(method, response or {})
    stubber.activate()
    return client, stubber


def test_a_request_still_in_progress_is_waited_for(organizations: Any) -> None:
    in_progress = {
        "CreateAccountStatuses": [
            {
                "Id": "car-inprogress1",
                "AccountName": "Cyberdyne Corp",
                "State": "IN_PROGRESS",
                "RequestedTimestamp": NOW,
            }
        ]
    }
    reader, stubber = stubbed("list_create_account_status", in_progress)

    with pytest.raises(AccountRequestPending, match="car-inprogress1"):
        reconcile.reconcile(Organization(reader=reader, creator=reader), request_for("cyberdyne"), NOW)
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        ({"service_error_code": "ServiceException", "http_status_code": 500}, AccountRequestUnconfirmed),
        (
            {"service_error_code": "TooManyRequestsException", "http_status_code": 400},
            AccountRequestUnconfirmed,
        ),
        ({"service_error_code": "AccessDeniedException", "http_status_code": 403}, AccountRequestRejected),
        (
            {"service_error_code": "ConstraintViolationException", "http_status_code": 400},
            AccountRequestRejected,
        ),
    ],
)
def test_create_errors_are_named_for_the_retry_or_the_failure_path(
    organizations: Any, error: dict[str, Any], raised: type[Exception]
) -> None:
    creator, _ = stubbed("create_account", service_message="aws+soylent@example.com is not allowed", **error)

    with pytest.raises(raised) as caught:
        reconcile.reconcile(Organization(creator=creator), request_for("soylent"), NOW)
    assert error["service_error_code"] in str(caught.value)
    assert "@" not in str(caught.value), "no e-mail in the error a cause carries"


def test_no_answer_at_all_is_unconfirmed(organizations: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    organization = Organization()

    def timeout(_: AccountRequest) -> str:
        raise ReadTimeoutError(endpoint_url="https://organizations.us-east-1.amazonaws.com")

    monkeypatch.setattr(organization, "create", timeout)
    with pytest.raises(AccountRequestUnconfirmed, match="ReadTimeoutError"):
        reconcile.reconcile(organization, request_for("tyrell"), NOW)


def test_the_sdk_never_resends_create_account_itself() -> None:
    assert SINGLE_ATTEMPT.retries == {"total_max_attempts": 1, "mode": "standard"}
    creator = Organization(reader=object()).creator
    assert creator.meta.config.retries["total_max_attempts"] == 1


@pytest.mark.parametrize("record", [None, {"execution": "arn:other"}])
def test_only_this_executions_claim_may_request_an_account(
    registry: Any, organizations: Any, record: dict[str, str] | None
) -> None:
    if record is not None:
        claim(registry, "oscorp", execution=record["execution"])

    with pytest.raises(TenantNotClaimed):
        call(reconcile.handler, task_input("oscorp"))
    assert accounts(organizations, "aws+oscorp@example.com") == []


def test_input_contract(registry: Any) -> None:
    with pytest.raises(InvalidInput, match="email, accountTags"):
        call(reconcile.handler, task_input("acme", email=None, accountTags="x"))
