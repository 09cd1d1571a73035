"""The AWS Organizations emulation: unique e-mails, asynchronous creation, MoveAccount duplicates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from localrun import engine
from localrun.emulation.organizations import creation_latency


@pytest.fixture
def organizations() -> Iterator[Any]:
    engine.install()
    with mock_aws():
        client = boto3.client("organizations", region_name="us-east-1")
        client.create_organization(FeatureSet="ALL")
        yield client


def create(client: Any, name: str, email: str) -> dict[str, Any]:
    return dict(client.create_account(AccountName=name, Email=email)["CreateAccountStatus"])


def status(client: Any, request_id: str) -> dict[str, Any]:
    return dict(
        client.describe_create_account_status(CreateAccountRequestId=request_id)["CreateAccountStatus"]
    )


def emails(client: Any) -> list[str]:
    return sorted(account["Email"] for account in client.list_accounts()["Accounts"])


def test_an_email_that_already_has_an_account_fails_the_request(organizations: Any) -> None:
    first = create(organizations, "Acme", "aws+acme@example.com")
    before = emails(organizations)

    second = create(organizations, "Acme again", "AWS+Acme@Example.com")

    assert first["State"] == "SUCCEEDED"
    assert second["State"] == "FAILED" and second["FailureReason"] == "EMAIL_ALREADY_EXISTS"
    assert "AccountId" not in second
    assert status(organizations, second["Id"]) == second
    assert emails(organizations) == before, "no second account"
    failed = organizations.list_create_account_status(States=["FAILED"])["CreateAccountStatuses"]
    assert [(item["Id"], item["AccountName"]) for item in failed] == [(second["Id"], "Acme again")]


def test_accounts_with_other_emails_are_still_created(organizations: Any) -> None:
    create(organizations, "Acme", "aws+acme@example.com")

    other = create(organizations, "Acme", "aws+acme-2@example.com")

    assert other["State"] == "SUCCEEDED"
    assert "aws+acme-2@example.com" in emails(organizations)


def test_latency_keeps_requests_in_progress_and_their_accounts_unlisted(organizations: Any) -> None:
    with creation_latency(2):
        request = create(organizations, "Slow", "aws+slow@example.com")

    assert request["State"] == "IN_PROGRESS" and "AccountId" not in request
    assert status(organizations, request["Id"])["State"] == "IN_PROGRESS"
    assert "aws+slow@example.com" not in emails(organizations)
    listed = organizations.list_create_account_status(States=["IN_PROGRESS"])["CreateAccountStatuses"]
    assert [item["Id"] for item in listed] == [request["Id"]], "the second read, through the list"
    done = status(organizations, request["Id"])
    assert done["State"] == "SUCCEEDED"
    assert organizations.describe_account(AccountId=done["AccountId"])["Account"]["Name"] == "Slow"
    assert "aws+slow@example.com" in emails(organizations)


def test_a_pending_account_is_invisible_to_describe_account(organizations: Any) -> None:
    with creation_latency(1):
        request = create(organizations, "Slow", "aws+slow@example.com")
    account_id = next(
        account.id for account in _backend().accounts if account.create_account_status_id == request["Id"]
    )

    with pytest.raises(ClientError, match="AccountNotFoundException"):
        organizations.describe_account(AccountId=account_id)


def test_the_same_email_while_the_first_request_runs_is_a_concurrent_modification(organizations: Any) -> None:
    with creation_latency(3):
        first = create(organizations, "Slow", "aws+slow@example.com")
        second = create(organizations, "Slow", "aws+slow@example.com")

    assert first["State"] == second["State"] == "IN_PROGRESS"
    for _ in range(3):
        status(organizations, second["Id"])
    assert status(organizations, second["Id"])["FailureReason"] == "CONCURRENT_ACCOUNT_MODIFICATION"
    assert len([a for a in _backend().accounts if a.email == "aws+slow@example.com"]) == 1


def test_moving_an_account_where_it_already_is_is_a_duplicate(organizations: Any) -> None:
    root = organizations.list_roots()["Roots"][0]["Id"]
    ou = organizations.create_organizational_unit(ParentId=root, Name="tenants")["OrganizationalUnit"]["Id"]
    account_id = create(organizations, "Acme", "aws+acme@example.com")["AccountId"]
    organizations.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=ou)

    with pytest.raises(ClientError) as raised:
        organizations.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=ou)

    assert raised.value.response["Error"]["Code"] == "DuplicateAccountException"
    assert organizations.list_parents(ChildId=account_id)["Parents"][0]["Id"] == ou


def test_list_create_account_status_pages(organizations: Any) -> None:
    for index in range(3):
        create(organizations, f"Tenant {index}", f"aws+t{index}@example.com")

    first = organizations.list_create_account_status(MaxResults=2)
    rest = organizations.list_create_account_status(MaxResults=2, NextToken=first["NextToken"])

    names = [item["AccountName"] for item in first["CreateAccountStatuses"] + rest["CreateAccountStatuses"]]
    assert names[-3:] == ["Tenant 0", "Tenant 1", "Tenant 2"]
    assert "NextToken" not in rest


def _backend() -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.organizations.models import organizations_backends

    return organizations_backends[DEFAULT_ACCOUNT_ID]["aws"]
