"""Re-apply the baseline to a tenant whose baseline failed, then return its account from quarantine.

A tenant whose baseline failed is FAILED with its account in the quarantine OU. Once the cause is
fixed (a template, a quota, a region), `python -m scripts.tenants.retry_baseline` re-applies every
baseline StackSet to the account (while it is still quarantined, so nothing half-baselined ever
sits in the tenant's OU), moves it to the tenant's OU and marks the tenant ACTIVE. Every step looks
first, so an interrupted retry is simply run again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from scripts.tenants.deployment import Deployment
from scripts.tenants.retirement import now, plain, record_tenant_error
from scripts.tenants.stack_set_operations import wait_for_operation

# The Map over the baseline StackSets: BaselineOperationFailed/TimedOut, or CloudFormation refusing.
RETRYABLE_STEP = "ApplyBaseline"


class RetryRefused(RuntimeError):
    """The tenant is not one whose baseline can be retried (unknown, not FAILED at the baseline...)."""


class RetryFailed(RuntimeError):
    """A step failed; the tenant stays FAILED and quarantined, with `baselineRetryError` recorded."""


@dataclass(frozen=True)
class RetryPlan:
    """What retrying the tenant's baseline does, in the order it does it."""

    tenant_id: str
    account_id: str
    tier: str
    destination_ou: str
    failure_error: str
    instances: tuple[tuple[str, str, bool], ...]  # (StackSet, region, instance exists)
    in_quarantine: bool

    def lines(self, quarantine_ou: str) -> list[str]:
        steps = [
            f"{'update' if exists else 'create'} the {stack_set} stack instance in {region} "
            f"(TenantId={self.tenant_id}, TenantTier={self.tier}) and wait for it"
            for stack_set, region, exists in self.instances
        ]
        if self.in_quarantine:
            steps.append(f"move account {self.account_id} from {quarantine_ou} to {self.destination_ou}")
        steps.append(f"mark tenant {self.tenant_id} ACTIVE (was FAILED: {self.failure_error})")
        header = f"tenant {self.tenant_id} (FAILED, {self.account_id}):"
        return [header, *(f"  - {step}" for step in steps)]


class BaselineRetrier:
    """Plans and carries out baseline retries against one deployment."""

    def __init__(
        self,
        deployment: Deployment,
        *,
        session: Any | None = None,
        poll_seconds: float = 15.0,
        max_polls: int = 240,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        session = session or boto3.session.Session()
        self.deployment = deployment
        self.regions = deployment.baseline_regions or (session.region_name,)
        self.dynamodb = session.client("dynamodb")
        self.organizations = session.client("organizations")
        self.cloudformation = session.client("cloudformation")
        self.poll_seconds = poll_seconds
        self.max_polls = max_polls
        self.sleep = sleep

    def plan(self, tenant_id: str) -> RetryPlan:
        """What retrying `tenant_id`'s baseline would do now (reads only)."""
        try:
            return self._plan(tenant_id)
        except (ClientError, BotoCoreError) as error:
            raise RetryFailed(f"tenant {tenant_id}: cannot plan: {type(error).__name__}: {error}") from error

    def _plan(self, tenant_id: str) -> RetryPlan:
        item = self.dynamodb.get_item(
            TableName=self.deployment.table_name, Key={"tenantId": {"S": tenant_id}}, ConsistentRead=True
        ).get("Item")
        record = None if item is None else {key: plain(value) for key, value in item.items()}
        _check_retryable(tenant_id, record)
        assert record is not None
        account_id = str(record["accountId"])
        parent = self.organizations.list_parents(ChildId=account_id)["Parents"][0]["Id"]
        if parent not in (self.deployment.quarantine_ou_id, record["organizationalUnitId"]):
            raise RetryRefused(
                f"tenant {tenant_id}: account {account_id} is in {parent}, neither the quarantine OU nor "
                "the tenant's OU: find out who moved it before retrying"
            )
        existing = self._existing_instances(account_id)
        instances = tuple(
            (stack_set, region, (stack_set, region) in existing)
            for stack_set in self.deployment.stack_sets
            for region in self.regions
        )
        return RetryPlan(
            tenant_id=tenant_id,
            account_id=account_id,
            tier=str(record["tier"]),
            destination_ou=str(record["organizationalUnitId"]),
            failure_error=str(record["failureError"]),
            instances=instances,
            in_quarantine=parent == self.deployment.quarantine_ou_id,
        )

    def _existing_instances(self, account_id: str) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for stack_set in self.deployment.stack_sets:
            pages = self.cloudformation.get_paginator("list_stack_instances").paginate(
                StackSetName=stack_set, StackInstanceAccount=account_id
            )
            for page in pages:
                found.update(
                    (stack_set, summary["Region"])
                    for summary in page["Summaries"]
                    if summary["Account"] == account_id
                )
        return found

    def retry(self, plan: RetryPlan) -> None:
        """Carry out `plan`; on any failure record `baselineRetryError` and raise RetryFailed."""
        try:
            for stack_set, region, exists in plan.instances:
                self._apply(plan, stack_set, region, exists)
            if plan.in_quarantine:
                self.organizations.move_account(
                    AccountId=plan.account_id,
                    SourceParentId=self.deployment.quarantine_ou_id,
                    DestinationParentId=plan.destination_ou,
                )
            self._activate(plan)
        except Exception as error:  # any failure is recorded; the tenant stays FAILED
            reason = f"{type(error).__name__}: {error}"
            raise RetryFailed(
                f"tenant {plan.tenant_id}: {self._record_error(plan.tenant_id, reason)}"
            ) from error

    def _apply(self, plan: RetryPlan, stack_set: str, region: str, exists: bool) -> None:
        overrides = [
            {"ParameterKey": "TenantId", "ParameterValue": plan.tenant_id},
            {"ParameterKey": "TenantTier", "ParameterValue": plan.tier},
        ]
        call = (
            self.cloudformation.update_stack_instances
            if exists
            else self.cloudformation.create_stack_instances
        )
        operation = call(
            StackSetName=stack_set,
            Accounts=[plan.account_id],
            Regions=[region],
            ParameterOverrides=overrides,
            OperationPreferences={"FailureToleranceCount": 0, "MaxConcurrentCount": 1},
        )["OperationId"]
        wait_for_operation(
            self.cloudformation,
            stack_set,
            operation,
            max_polls=self.max_polls,
            poll_seconds=self.poll_seconds,
            sleep=self.sleep,
            failure=RetryFailed,
        )

    def _activate(self, plan: RetryPlan) -> None:
        values: dict[str, Any] = {
            ":active": {"S": "ACTIVE"},
            ":failed": {"S": "FAILED"},
            ":error": {"S": plan.failure_error},
            ":baseline": {"SS": list(self.deployment.stack_sets)},
            ":now": {"S": now()},
        }
        update = (
            "SET #status = :active, baseline = :baseline, activatedAt = :now, baselineRetriedAt = :now, "
            "previousFailure = :previous, updatedAt = :now"
        )
        values[":previous"] = {
            "M": {"failureError": {"S": plan.failure_error}, "quarantine": {"S": "QUARANTINED"}}
        }
        tiers = self.deployment.tier_defaults
        if plan.tier in tiers:
            update += ", tierDefaults = :defaults"
            values[":defaults"] = TypeSerializer().serialize(tiers[plan.tier])
        self.dynamodb.update_item(
            TableName=self.deployment.table_name,
            Key={"tenantId": {"S": plan.tenant_id}},
            UpdateExpression=update
            + " REMOVE failedStep, failureError, failureCause, quarantine, failedAt, baselineRetryError",
            ConditionExpression="#status = :failed AND failureError = :error",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values,
        )

    def _record_error(self, tenant_id: str, reason: str) -> str:
        return record_tenant_error(
            self.dynamodb,
            self.deployment.table_name,
            tenant_id,
            reason,
            update="SET baselineRetryError = :error, updatedAt = :now",
            condition="#status = :failed",
            values={":failed": {"S": "FAILED"}},
        )


def _check_retryable(tenant_id: str, record: dict[str, Any] | None) -> None:
    if record is None:
        raise RetryRefused(f"tenant {tenant_id} is unknown")
    status, step = record.get("status"), record.get("failedStep")
    if status != "FAILED" or step != RETRYABLE_STEP:
        raise RetryRefused(
            f"tenant {tenant_id} is {status} (failed step {step or '-'}): only a tenant whose "
            f"{RETRYABLE_STEP} failed can retry its baseline"
        )
    if record.get("quarantine") != "QUARANTINED" or not record.get("accountId"):
        raise RetryRefused(
            f"tenant {tenant_id}: quarantine is {record.get('quarantine', '-')}, not QUARANTINED with a "
            "known account: resolve the account first"
        )
