"""ReconcileAccount: CreateAccount's answer was lost (5xx, timeout); find what it did before asking again.

CreateAccount has no idempotency token, so it is never retried blindly. This task looks for the
request this tenant's claim made: one of this account name, requested since the claim, whose account
has the tenant's e-mail and `stepwise:tenant` tag is adopted (its id continues the activation
polling). While such a request is still IN_PROGRESS nobody can tell whose it is, so the task fails
with `AccountRequestPending` and is retried later. An e-mail that belongs to an account this claim
did not create fails with `EmailBelongsToAnotherAccount`. Only when nothing was created is the
account requested again, in the same invocation, right after looking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from shared import clients, environment
from shared.errors import InvalidInput, TaskError, TransientError
from shared.task import logger, metrics, task_handler
from tenants import contract
from tenants.organization import AccountRequest, Organization, same_email

# Organizations' and Step Functions' clocks differ: requests up to this long before the claim count.
CLOCK_SKEW = timedelta(minutes=5)
# CreateAccount errors after which Organizations may or may not have accepted the request.
UNCONFIRMED = frozenset(
    {
        "ServiceException",
        "ServiceUnavailableException",
        "TooManyRequestsException",
        "ConcurrentModificationException",
        "InternalFailure",
    }
)


class EmailBelongsToAnotherAccount(TaskError):
    """The tenant's e-mail belongs to an account this claim did not create; nothing was created."""


class AccountRequestPending(TransientError):
    """A request with this account name is still IN_PROGRESS: whose it is shows once it completes."""


class AccountRequestUnconfirmed(TransientError):
    """CreateAccount returned no request id (throttled, busy, a 5xx or no answer at all); the next
    attempt reconciles before sending it again."""


class AccountRequestRejected(TaskError):
    """Organizations refused CreateAccount (access, limits, input): no account was requested."""


class TenantNotClaimed(TaskError):
    """The registry record is not this execution's PROVISIONING claim: no account may be requested."""


@dataclass(frozen=True)
class Reconciled:
    """The request the activation polling continues with, and how it was found."""

    request_id: str
    outcome: str  # ADOPTED (the lost request) or REQUESTED (none existed; sent now)

    def as_account(self) -> dict[str, Any]:
        return {"requestId": self.request_id, "polls": 0, "reconciled": self.outcome}


def own_request(organization: Organization, request: AccountRequest, claimed_at: datetime) -> str | None:
    """The id of the request this claim made, None if it made none; raises while it cannot be told."""
    since = claimed_at - CLOCK_SKEW
    candidates = [
        status
        for status in organization.requests(("IN_PROGRESS", "SUCCEEDED"))
        if status["AccountName"] == request.account_name and status["RequestedTimestamp"] >= since
    ]
    for status in candidates:
        if status["State"] == "SUCCEEDED" and _is_tenants(organization, status["AccountId"], request):
            return str(status["Id"])
    pending = sorted(str(status["Id"]) for status in candidates if status["State"] == "IN_PROGRESS")
    if pending:
        raise AccountRequestPending(
            f"account request(s) {', '.join(pending)} named like tenant {request.tenant_id}'s account are "
            "still IN_PROGRESS; whose they are is known once they complete"
        )
    holder = organization.account_with_email(request.email)
    if holder is not None:
        owner = organization.tenant_of(holder["Id"])
        raise EmailBelongsToAnotherAccount(
            f"tenant {request.tenant_id}'s e-mail belongs to account {holder['Id']} "
            f"({f'tenant {owner}' if owner else 'no stepwise:tenant tag'}), which its claim did not create"
        )
    return None


def _is_tenants(organization: Organization, account_id: str, request: AccountRequest) -> bool:
    account = organization.account(account_id)
    return (
        account is not None
        and same_email(account["Email"], request.email)
        and organization.tenant_of(account_id) == request.tenant_id
    )


def reconcile(organization: Organization, request: AccountRequest, claimed_at: datetime) -> Reconciled:
    """Adopt the request this claim made, or send CreateAccount once if it made none."""
    found = own_request(organization, request, claimed_at)
    if found is not None:
        return Reconciled(found, "ADOPTED")
    try:
        return Reconciled(organization.create(request), "REQUESTED")
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code in UNCONFIRMED or error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
            raise AccountRequestUnconfirmed(f"CreateAccount was not answered: {code}") from error
        # Only the code: Organizations' message may quote the request (the e-mail is personal data).
        raise AccountRequestRejected(f"Organizations refused CreateAccount: {code}") from error
    except BotoCoreError as error:
        raise AccountRequestUnconfirmed(f"CreateAccount was not answered: {type(error).__name__}") from error


def claim_time(table: Any, tenant_id: str, execution_id: str) -> datetime:
    """When this execution claimed the tenant; TenantNotClaimed if the claim is not its own."""
    item = table.get_item(Key={contract.REGISTRY_KEY: tenant_id}, ConsistentRead=True).get("Item") or {}
    own = item.get(contract.EXECUTION_ATTRIBUTE) == execution_id
    if not own or item.get(contract.STATUS_ATTRIBUTE) != contract.PROVISIONING:
        raise TenantNotClaimed(f"tenant {tenant_id} is not PROVISIONING under this execution")
    return datetime.fromisoformat(str(item[contract.CLAIMED_AT_ATTRIBUTE]).replace("Z", "+00:00"))


def parse(event_input: dict[str, Any]) -> tuple[AccountRequest, str]:
    fields = ("tenantId", "accountName", "email", "executionId")
    missing = [name for name in fields if not isinstance(event_input.get(name), str)]
    tags = event_input.get("accountTags")
    if not isinstance(tags, list) or not all(
        isinstance(tag, dict) and {"Key", "Value"} <= set(tag) for tag in tags
    ):
        missing.append("accountTags")
    if missing:
        raise InvalidInput(f"reconcile needs {', '.join(missing)}")
    request = AccountRequest(
        tenant_id=event_input["tenantId"],
        account_name=event_input["accountName"],
        email=event_input["email"],
        tags=tuple((str(tag["Key"]), str(tag["Value"])) for tag in tags),
        role_name=environment.text(contract.ACCOUNT_ACCESS_ROLE_ENV),
    )
    return request, event_input["executionId"]


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request, execution_id = parse(event_input)
    table = clients.resource("dynamodb").Table(environment.text(contract.REGISTRY_TABLE_ENV))
    claimed_at = claim_time(table, request.tenant_id, execution_id)
    reconciled = reconcile(Organization(), request, claimed_at)
    if reconciled.outcome == "ADOPTED":
        metrics.add_metric(name="AccountRequestsAdopted", unit="Count", value=1)
    else:
        metrics.add_metric(name="AccountRequestsResent", unit="Count", value=1)
    logger.info(
        "account request reconciled",
        extra={
            "tenantId": request.tenant_id,
            "outcome": reconciled.outcome,
            "requestId": reconciled.request_id,
        },
    )
    return reconciled.as_account()
