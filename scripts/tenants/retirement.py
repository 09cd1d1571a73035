"""Retire one tenant: remove its baseline stack instances, suspend and close its account, mark it RETIRED.

Every step checks the current state first, so an interrupted retirement is simply run again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from scripts.tenants.deployment import Deployment
from scripts.tenants.stack_set_operations import wait_for_operation
from stacks.common.contracts import handler_contract

TENANTS = handler_contract("tenants")

RETIRABLE = {"ACTIVE", "FAILED", "RETIREMENT_REQUESTED", "RETIRING"}
STATUS_INDEX = TENANTS.STATUS_INDEX
CLOSED_ACCOUNT = {"SUSPENDED", "PENDING_CLOSURE", "CLOSED"}


class RetirementRefused(RuntimeError):
    """The tenant cannot be retired as asked (unknown, already retired, still provisioning)."""


class RetirementFailed(RuntimeError):
    """A step failed; the tenant stays RETIRING with the error recorded and can be retried."""


@dataclass(frozen=True)
class Step:
    """One planned action, in words an operator can check before saying --yes."""

    kind: str
    description: str
    stack_set: str | None = None
    regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    tenant_id: str
    status: str
    account_id: str | None
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def lines(self) -> list[str]:
        account = self.account_id or "no account"
        header = f"tenant {self.tenant_id} ({self.status}, {account}):"
        marking = [] if self.status == "RETIRING" else [f"mark tenant {self.tenant_id} RETIRING"]
        return [header, *(f"  - {line}" for line in (*marking, *(step.description for step in self.steps)))]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Retirer:
    """Plans and carries out tenant retirements against one deployment."""

    def __init__(
        self,
        deployment: Deployment,
        *,
        session: Any | None = None,
        poll_seconds: float = 15.0,
        max_polls: int = 120,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        session = session or boto3.session.Session()
        self.deployment = deployment
        self.dynamodb = session.client("dynamodb")
        self.organizations = session.client("organizations")
        self.cloudformation = session.client("cloudformation")
        self.poll_seconds = poll_seconds
        self.max_polls = max_polls
        self.sleep = sleep

    # -------------------------------------------------------------------------- registry

    def record(self, tenant_id: str) -> dict[str, Any] | None:
        item = self.dynamodb.get_item(
            TableName=self.deployment.table_name,
            Key={"tenantId": {"S": tenant_id}},
            ConsistentRead=True,
        ).get("Item")
        return None if item is None else {key: plain(value) for key, value in item.items()}

    def marked(self) -> list[str]:
        """Tenants waiting for the sweep: RETIREMENT_REQUESTED, and RETIRING ones to resume."""
        tenant_ids: list[str] = []
        paginator = self.dynamodb.get_paginator("query")
        for status in ("RETIREMENT_REQUESTED", "RETIRING"):
            pages = paginator.paginate(
                TableName=self.deployment.table_name,
                IndexName=STATUS_INDEX,
                KeyConditionExpression="#status = :status",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":status": {"S": status}},
            )
            tenant_ids.extend(item["tenantId"]["S"] for page in pages for item in page["Items"])
        return sorted(set(tenant_ids))

    def mark(self, tenant_id: str, reason: str) -> None:
        """Ask for retirement: the next sweep retires the tenant."""
        record = self.record(tenant_id)
        _check_retirable(tenant_id, record)
        assert record is not None
        if record["status"] in {"RETIREMENT_REQUESTED", "RETIRING"}:
            return
        self.dynamodb.update_item(
            TableName=self.deployment.table_name,
            Key={"tenantId": {"S": tenant_id}},
            UpdateExpression=(
                "SET #status = :requested, statusBeforeRetirement = :previous, "
                "retirementReason = :reason, retirementRequestedAt = :now, updatedAt = :now"
            ),
            ConditionExpression="#status = :previous",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":requested": {"S": "RETIREMENT_REQUESTED"},
                ":previous": {"S": record["status"]},
                ":reason": {"S": reason},
                ":now": {"S": now()},
            },
        )

    # ------------------------------------------------------------------------------ plan

    def plan(self, tenant_id: str) -> Plan:
        """What retiring `tenant_id` would do now (reads only)."""
        try:
            return self._plan(tenant_id)
        except (ClientError, BotoCoreError) as error:
            raise RetirementFailed(
                f"tenant {tenant_id}: cannot plan the retirement: {type(error).__name__}: {error}"
            ) from error

    def _plan(self, tenant_id: str) -> Plan:
        record = self.record(tenant_id)
        _check_retirable(tenant_id, record)
        assert record is not None
        account_id = self._account_of(record)
        steps: list[Step] = []
        if account_id is not None:
            for stack_set, regions in self._instances(account_id, record).items():
                steps.append(
                    Step(
                        "delete-instances",
                        f"delete the {stack_set} stack instance(s) in {', '.join(regions)}",
                        stack_set=stack_set,
                        regions=regions,
                    )
                )
            parent = self._parent(account_id)
            if parent != self.deployment.suspended_ou_id:
                steps.append(
                    Step(
                        "suspend",
                        f"move account {account_id} from {parent} to the suspended "
                        f"OU {self.deployment.suspended_ou_id}",
                    )
                )
            status = self.organizations.describe_account(AccountId=account_id)["Account"]["Status"]
            if status not in CLOSED_ACCOUNT:
                steps.append(Step("close", f"close account {account_id}"))
        steps.append(Step("mark-retired", f"mark tenant {tenant_id} RETIRED"))
        return Plan(tenant_id, record["status"], account_id, tuple(steps))

    def _account_of(self, record: dict[str, Any]) -> str | None:
        if record.get("accountId"):
            return str(record["accountId"])
        request_id = record.get("createAccountRequestId")
        if not request_id:
            return None
        status = self.organizations.describe_create_account_status(CreateAccountRequestId=request_id)[
            "CreateAccountStatus"
        ]
        if status["State"] == "IN_PROGRESS":
            raise RetirementRefused(
                f"tenant {record['tenantId']}: account request {request_id} is still IN_PROGRESS; "
                "retry once Organizations has finished it"
            )
        return status.get("AccountId") if status["State"] == "SUCCEEDED" else None

    def _instances(self, account_id: str, record: dict[str, Any]) -> dict[str, tuple[str, ...]]:
        names = dict.fromkeys([*self.deployment.stack_sets, *record.get("baseline", [])])
        found: dict[str, tuple[str, ...]] = {}
        for name in names:
            regions: list[str] = []
            paginator = self.cloudformation.get_paginator("list_stack_instances")
            try:
                for page in paginator.paginate(StackSetName=name, StackInstanceAccount=account_id):
                    regions.extend(
                        summary["Region"] for summary in page["Summaries"] if summary["Account"] == account_id
                    )
            except ClientError as error:
                if error.response["Error"]["Code"] != "StackSetNotFoundException":
                    raise
            if regions:
                found[name] = tuple(sorted(set(regions)))
        return found

    def _parent(self, account_id: str) -> str:
        return str(self.organizations.list_parents(ChildId=account_id)["Parents"][0]["Id"])

    # ----------------------------------------------------------------------------- retire

    def retire(self, plan: Plan) -> None:
        """Carry out `plan`; on any failure record the error and leave the tenant RETIRING."""
        try:
            self._set_retiring(plan)
        except (ClientError, BotoCoreError) as error:
            raise RetirementFailed(f"tenant {plan.tenant_id}: {type(error).__name__}: {error}") from error
        try:
            for step in plan.steps:
                if step.kind == "delete-instances":
                    self._delete_instances(plan.account_id, step)  # type: ignore[arg-type]
                elif step.kind == "suspend":
                    self._suspend(plan.account_id)  # type: ignore[arg-type]
                elif step.kind == "close":
                    self._close(plan.account_id)  # type: ignore[arg-type]
                elif step.kind == "mark-retired":
                    self._set_retired(plan)
        except Exception as error:  # any failure is recorded; the caller goes on
            reason = f"{type(error).__name__}: {error}"
            raise RetirementFailed(
                f"tenant {plan.tenant_id}: {self.record_error(plan.tenant_id, reason)}"
            ) from error

    def _set_retiring(self, plan: Plan) -> None:
        try:
            self.dynamodb.update_item(
                TableName=self.deployment.table_name,
                Key={"tenantId": {"S": plan.tenant_id}},
                UpdateExpression="SET #status = :retiring, retirementStartedAt = :now, updatedAt = :now",
                ConditionExpression="#status = :planned",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":retiring": {"S": "RETIRING"},
                    ":planned": {"S": plan.status},
                    ":now": {"S": now()},
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise RetirementRefused(
                    f"tenant {plan.tenant_id} changed since it was planned (was {plan.status}); run again"
                ) from None
            raise

    def _delete_instances(self, account_id: str, step: Step) -> None:
        operation = self.cloudformation.delete_stack_instances(
            StackSetName=step.stack_set,
            Accounts=[account_id],
            Regions=list(step.regions),
            RetainStacks=False,
            OperationPreferences={"FailureToleranceCount": 0, "RegionConcurrencyType": "PARALLEL"},
        )["OperationId"]
        self._wait_for(step.stack_set, operation)  # type: ignore[arg-type]

    def _wait_for(self, stack_set: str, operation_id: str) -> None:
        wait_for_operation(
            self.cloudformation,
            stack_set,
            operation_id,
            max_polls=self.max_polls,
            poll_seconds=self.poll_seconds,
            sleep=self.sleep,
            failure=RetirementFailed,
        )

    def _suspend(self, account_id: str) -> None:
        parent = self._parent(account_id)
        if parent != self.deployment.suspended_ou_id:
            self.organizations.move_account(
                AccountId=account_id,
                SourceParentId=parent,
                DestinationParentId=self.deployment.suspended_ou_id,
            )

    def _close(self, account_id: str) -> None:
        status = self.organizations.describe_account(AccountId=account_id)["Account"]["Status"]
        if status not in CLOSED_ACCOUNT:
            self.organizations.close_account(AccountId=account_id)

    def _set_retired(self, plan: Plan) -> None:
        values: dict[str, Any] = {
            ":retired": {"S": "RETIRED"},
            ":retiring": {"S": "RETIRING"},
            ":now": {"S": now()},
        }
        update = "SET #status = :retired, retiredAt = :now, updatedAt = :now REMOVE retirementError"
        self.dynamodb.update_item(
            TableName=self.deployment.table_name,
            Key={"tenantId": {"S": plan.tenant_id}},
            UpdateExpression=update,
            ConditionExpression="#status = :retiring",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values,
        )

    def record_error(self, tenant_id: str, reason: str) -> str:
        """Record `reason` as the tenant's retirementError (never on an unknown or RETIRED tenant);
        return the reason, with why it could not be recorded if so."""
        return record_tenant_error(
            self.dynamodb,
            self.deployment.table_name,
            tenant_id,
            reason,
            update="SET retirementError = :error, retirementErrorAt = :now, updatedAt = :now",
            condition="attribute_exists(tenantId) AND #status <> :retired",
            values={":retired": {"S": "RETIRED"}},
        )


def record_tenant_error(
    dynamodb: Any,
    table_name: str,
    tenant_id: str,
    reason: str,
    *,
    update: str,
    condition: str,
    values: dict[str, Any],
) -> str:
    """Write `reason` (as `:error`, with `:now`) on the tenant's registry record by `update`, if
    `condition` holds; return the reason, with why it could not be recorded if so (a script going
    on to the next tenant must still say what it could not write down)."""
    try:
        dynamodb.update_item(
            TableName=table_name,
            Key={"tenantId": {"S": tenant_id}},
            UpdateExpression=update,
            ConditionExpression=condition,
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":error": {"S": reason[:4000]}, ":now": {"S": now()}, **values},
        )
    except (ClientError, BotoCoreError) as error:
        return f"{reason} (not recorded: {type(error).__name__}: {error})"
    return reason


def _check_retirable(tenant_id: str, record: dict[str, Any] | None) -> None:
    if record is None:
        raise RetirementRefused(f"tenant {tenant_id} is unknown: nothing to retire")
    status = record.get("status")
    if status == "RETIRED":
        raise RetirementRefused(
            f"tenant {tenant_id} is already RETIRED (at {record.get('retiredAt', 'an unknown time')})"
        )
    if status not in RETIRABLE:
        raise RetirementRefused(
            f"tenant {tenant_id} is {status}: only {', '.join(sorted(RETIRABLE))} tenants can be "
            "retired (wait for provisioning to finish)"
        )


def plain(value: dict[str, Any]) -> Any:
    """A DynamoDB attribute value as plain Python (strings, numbers as str, lists, maps)."""
    kind, inner = next(iter(value.items()))
    if kind == "M":
        return {key: plain(item) for key, item in inner.items()}
    if kind == "L":
        return [plain(item) for item in inner]
    if kind in {"SS", "NS"}:
        return sorted(inner)
    if kind == "NULL":
        return None
    return inner


def print_lines(lines: Iterable[str]) -> None:
    for line in lines:
        print(line)


def connect(env: str, region: str | None) -> Retirer:
    """A Retirer for the environment's deployed stack, found through its outputs.

    Raises DeploymentNotFound (with the stack name) when the stack is not deployed there.
    """
    session = boto3.session.Session(region_name=region)
    return Retirer(Deployment.from_stack(env, session.client("cloudformation")), session=session)
