"""The task shapes the tenant provisioning graph is built from, each with its timeout and retry.

Every state is created with the `TenantProvisioning` construct as its scope, so construct paths
(and logical ids) are those of the construct itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Aws, Duration
from aws_cdk import aws_cloudformation as cloudformation
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.common import (
    CLOUDFORMATION_RETRY,
    DYNAMODB_RETRY,
    EVENTBRIDGE_RETRY,
    ORGANIZATIONS_RETRY,
    SNS_RETRY,
    RetryPolicy,
)
from stacks.common.contracts import handler_contract
from stacks.tenants.organization import TENANT_ACCOUNT_CONDITION, organizations_arns
from stacks.tenants.settings import TenantSettings

CONTRACT = handler_contract("tenants")
SDK_TIMEOUT = Duration.seconds(30)
# Every write of the registry after the claim: only while this execution owns it.
OWN_CLAIM = f"{CONTRACT.EXECUTION_ATTRIBUTE} = :execution"


class ProvisioningStates:
    """Builds the graph's SDK calls, registry updates, poll counters, events and notifications."""

    def __init__(
        self,
        scope: Construct,
        settings: TenantSettings,
        registry: dynamodb.ITableV2,
        notifications: sns.ITopic,
        event_bus: events.IEventBus,
    ) -> None:
        self.scope = scope
        self.settings = settings
        self.registry = registry
        self.notifications = notifications
        self.event_bus = event_bus

    def sdk(
        self,
        construct_id: str,
        service: str,
        action: str,
        parameters: dict[str, Any],
        *,
        resources: Sequence[str],
        retry: RetryPolicy,
        result_selector: dict[str, Any] | None = None,
        result_path: str | None = sfn.JsonPath.DISCARD,
        extra_statements: Sequence[iam.PolicyStatement] = (),
        comment: str | None = None,
    ) -> tasks.CallAwsService:
        task = tasks.CallAwsService(
            self.scope,
            construct_id,
            service=service,
            action=action,
            parameters=parameters,
            iam_resources=list(resources),
            iam_action=f"{service}:{action[0].upper()}{action[1:]}",
            additional_iam_statements=list(extra_statements) or None,
            result_selector=result_selector,
            result_path=result_path,
            task_timeout=sfn.Timeout.duration(SDK_TIMEOUT),
            comment=comment,
        )
        retry.applied_to(task)
        return task

    def registry_update(
        self,
        construct_id: str,
        update: str,
        values: dict[str, tasks.DynamoAttributeValue],
        *,
        condition: str = OWN_CLAIM,
        comment: str | None = None,
    ) -> tasks.DynamoUpdateItem:
        """An update of this tenant's record, only while this execution owns the claim."""
        task = tasks.DynamoUpdateItem(
            self.scope,
            construct_id,
            table=self.registry,
            key={CONTRACT.REGISTRY_KEY: string_value("$.request.tenantId")},
            update_expression=f"{update}, updatedAt = :now",
            condition_expression=condition,
            expression_attribute_names=(
                {"#status": CONTRACT.STATUS_ATTRIBUTE} if "#status" in update + condition else None
            ),
            expression_attribute_values={
                **values,
                ":execution": string_value("$$.Execution.Id"),
                ":now": string_value("$$.State.EnteredTime"),
            },
            result_path=sfn.JsonPath.DISCARD,
            task_timeout=sfn.Timeout.duration(SDK_TIMEOUT),
            comment=comment,
        )
        DYNAMODB_RETRY.applied_to(task)
        return task

    def create_account_status(
        self, construct_id: str, fields: dict[str, str], result_path: str, *, comment: str | None = None
    ) -> tasks.CallAwsService:
        """DescribeCreateAccountStatus of `$.account.requestId`, selecting `CreateAccountStatus` fields."""
        return self.sdk(
            construct_id,
            "organizations",
            "describeCreateAccountStatus",
            {"CreateAccountRequestId": sfn.JsonPath.string_at("$.account.requestId")},
            resources=["*"],
            retry=ORGANIZATIONS_RETRY,
            result_selector={
                key: sfn.JsonPath.string_at(f"$.CreateAccountStatus.{field}") for key, field in fields.items()
            },
            result_path=result_path,
            comment=comment,
        )

    def account_parent(
        self, construct_id: str, result_path: str, *, comment: str | None = None
    ) -> tasks.CallAwsService:
        """ListParents of `$.account.accountId`: `{parentId}` at `result_path`."""
        return self.sdk(
            construct_id,
            "organizations",
            "listParents",
            {"ChildId": sfn.JsonPath.string_at("$.account.accountId")},
            # The task's own statement names the tenant OUs (ListParents of an OU: harmless); the
            # account is readable only if it carries the tenant tag (the statement below).
            resources=organizations_arns(self.settings, "ou"),
            retry=ORGANIZATIONS_RETRY,
            extra_statements=[
                iam.PolicyStatement(
                    actions=["organizations:ListParents"],
                    resources=organizations_arns(self.settings, "account"),
                    conditions=TENANT_ACCOUNT_CONDITION,
                )
            ],
            result_selector={"parentId": first_of("$.Parents[*].Id")},
            result_path=result_path,
            comment=comment,
        )

    def move_account(self, construct_id: str, source_path: str, destination: str) -> tasks.CallAwsService:
        """MoveAccount of `$.account.accountId` from the parent at `source_path` to `destination`."""
        return self.sdk(
            construct_id,
            "organizations",
            "moveAccount",
            {
                "AccountId": sfn.JsonPath.string_at("$.account.accountId"),
                "SourceParentId": sfn.JsonPath.string_at(source_path),
                "DestinationParentId": destination,
            },
            # The parents: the root (a new account's), the tenant OUs and quarantine. The account
            # itself only if it carries the tenant tag (the statement below).
            resources=[*organizations_arns(self.settings, "ou"), *organizations_arns(self.settings, "root")],
            retry=ORGANIZATIONS_RETRY,
            extra_statements=[
                iam.PolicyStatement(
                    actions=["organizations:MoveAccount"],
                    resources=organizations_arns(self.settings, "account"),
                    conditions=TENANT_ACCOUNT_CONDITION,
                )
            ],
        )

    def stack_set_operation(
        self,
        construct_id: str,
        action: str,
        stack_set_arns: Sequence[str],
        *,
        result_selector: dict[str, Any],
        result_path: str,
        comment: str | None = None,
    ) -> tasks.CallAwsService:
        """A CloudFormation read of the StackSet operation at `$.stackSetName` / `$.operation.id`."""
        return self.sdk(
            construct_id,
            "cloudformation",
            action,
            {
                "StackSetName": sfn.JsonPath.string_at("$.stackSetName"),
                "OperationId": sfn.JsonPath.string_at("$.operation.id"),
            },
            resources=stack_set_arns,
            retry=CLOUDFORMATION_RETRY,
            result_selector=result_selector,
            result_path=result_path,
            comment=comment,
        )

    def count_poll(self, construct_id: str, path: str, id_key: str) -> sfn.Pass:
        """Count one more poll of the request at `path`, keeping its `id_key`."""
        return sfn.Pass(
            self.scope,
            construct_id,
            parameters={
                id_key: sfn.JsonPath.string_at(f"{path}.{id_key}"),
                "polls": sfn.JsonPath.math_add(sfn.JsonPath.number_at(f"{path}.polls"), 1),
            },
            result_path=path,
        )

    def account_state(self, construct_id: str, state: str, *, comment: str | None = None) -> sfn.Pass:
        """Set `$.account` to `{"state": state}`: what is known of the account before an id exists."""
        return sfn.Pass(
            self.scope, construct_id, parameters={"state": state}, result_path="$.account", comment=comment
        )

    def announce(
        self, event: str, subject: str, detail: dict[str, Any]
    ) -> tuple[tasks.EventBridgePutEvents, tasks.SnsPublish]:
        """`Publish<event>` then `Notify<event>`: `detail` on the event bus, then on the topic."""
        publish = self.publish_event(event, detail)
        notify = self.notify(event, subject, detail)
        publish.next(notify)
        return publish, notify

    def publish_event(self, event: str, detail: dict[str, Any]) -> tasks.EventBridgePutEvents:
        """`Publish<event>`: put `detail` on the tenant event bus with detail type `event`."""
        publish = tasks.EventBridgePutEvents(
            self.scope,
            f"Publish{event}",
            entries=[
                tasks.EventBridgePutEventsEntry(
                    event_bus=self.event_bus,
                    source=self.settings.event_source,
                    detail_type=event,
                    detail=sfn.TaskInput.from_object(detail),
                )
            ],
            result_path=sfn.JsonPath.DISCARD,
            task_timeout=sfn.Timeout.duration(SDK_TIMEOUT),
        )
        EVENTBRIDGE_RETRY.applied_to(publish)
        return publish

    def notify(self, event: str, subject: str, detail: dict[str, Any]) -> tasks.SnsPublish:
        """`Notify<event>`: publish `{"event": event, **detail}` to the notification topic."""
        notify = tasks.SnsPublish(
            self.scope,
            f"Notify{event}",
            topic=self.notifications,
            subject=subject,
            message=sfn.TaskInput.from_object({"event": event, **detail}),
            message_attributes={"event": tasks.MessageAttribute(value=event)},
            result_path=sfn.JsonPath.DISCARD,
            task_timeout=sfn.Timeout.duration(SDK_TIMEOUT),
        )
        SNS_RETRY.applied_to(notify)
        return notify


def stack_set_arn(stack_set: cloudformation.CfnStackSet) -> str:
    region, account = Aws.REGION, Aws.ACCOUNT_ID
    return f"arn:{Aws.PARTITION}:cloudformation:{region}:{account}:stackset/{stack_set.attr_stack_set_id}"


def first_of(path: str) -> str:
    """The first match of a wildcard path (an account has exactly one parent)."""
    return sfn.JsonPath.array_get_item(sfn.JsonPath.list_at(path), 0)


def string_value(path: str) -> tasks.DynamoAttributeValue:
    return tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at(path))
