"""What account reconciliation reads from and asks of AWS Organizations (the management account)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from shared import clients
from tenants.contract import TENANT_TAG

# CreateAccount has no idempotency token: the SDK must never send it twice on its own (its default
# retry re-sends on 5xx and throttling). The caller decides, after reconciling.
SINGLE_ATTEMPT = Config(retries={"total_max_attempts": 1, "mode": "standard"})


@dataclass(frozen=True)
class AccountRequest:
    """The CreateAccount the workflow sends for a tenant."""

    tenant_id: str
    account_name: str
    email: str
    tags: tuple[tuple[str, str], ...]
    role_name: str


def same_email(left: str, right: str) -> bool:
    return left.casefold() == right.casefold()


class Organization:
    """Reads (with the SDK's retries) and the one write, CreateAccount (sent exactly once)."""

    def __init__(self, reader: Any | None = None, creator: Any | None = None) -> None:
        self.reader = reader or clients.client("organizations")
        self.creator = creator or clients.client("organizations", config=SINGLE_ATTEMPT)

    def requests(self, states: Sequence[str]) -> list[dict[str, Any]]:
        """Every create-account request in `states` that Organizations still tracks."""
        pages = self.reader.get_paginator("list_create_account_status").paginate(States=list(states))
        return [status for page in pages for status in page["CreateAccountStatuses"]]

    def account(self, account_id: str) -> dict[str, Any] | None:
        try:
            return dict(self.reader.describe_account(AccountId=account_id)["Account"])
        except ClientError as error:
            if error.response["Error"]["Code"] == "AccountNotFoundException":
                return None
            raise

    def account_with_email(self, email: str) -> dict[str, Any] | None:
        pages = self.reader.get_paginator("list_accounts").paginate()
        accounts: Iterable[dict[str, Any]] = (account for page in pages for account in page["Accounts"])
        return next((account for account in accounts if same_email(account["Email"], email)), None)

    def tenant_of(self, account_id: str) -> str | None:
        """The account's `stepwise:tenant` tag (set by the workflow's CreateAccount), if any."""
        pages = self.reader.get_paginator("list_tags_for_resource").paginate(ResourceId=account_id)
        tags = {tag["Key"]: tag["Value"] for page in pages for tag in page["Tags"]}
        return tags.get(TENANT_TAG)

    def create(self, request: AccountRequest) -> str:
        """Send CreateAccount once; the request id Organizations accepted."""
        response = self.creator.create_account(
            AccountName=request.account_name,
            Email=request.email,
            RoleName=request.role_name,
            IamUserAccessToBilling="DENY",
            Tags=[{"Key": key, "Value": value} for key, value in request.tags],
        )
        return str(response["CreateAccountStatus"]["Id"])
