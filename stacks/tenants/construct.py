"""TenantProvisioning: create an AWS account per tenant, move it, baseline it and register it.

The workflow is a Standard state machine made of native integrations (Organizations, CloudFormation
StackSets, DynamoDB, EventBridge, SNS); Lambdas run only where there is logic (request validation,
reading an existing tenant record, reconciling an account request whose answer was lost).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_cloudformation as cloudformation
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.common import (
    ObservableStateMachine,
    ObservableStateMachineProps,
    PythonTaskFunction,
    acknowledge,
    encrypted_topic,
    rotating_key,
    secure_table,
)
from stacks.common.contracts import handler_contract
from stacks.common.platform import Platform
from stacks.tenants.baseline import BaselineTemplate
from stacks.tenants.definition import ProvisioningDefinition, ProvisioningResources
from stacks.tenants.functions import TenantFunctions, tenant_functions
from stacks.tenants.settings import TenantSettings

CONTRACT = handler_contract("tenants")
STATUS_INDEX: str = CONTRACT.STATUS_INDEX


@dataclass(frozen=True)
class TenantProvisioningProps:
    """What the stack (or an extender) chooses; `baseline=None` means the configured templates."""

    platform: Platform
    settings: TenantSettings
    alarm_topic: sns.ITopic
    baseline: Sequence[BaselineTemplate] | None = None
    stack_set_name_prefix: str | None = None
    # Fixed so the state machine role can trust exactly this machine; default `<stack name>-Provisioning`.
    state_machine_name: str | None = None


class TenantProvisioning(Construct):
    """The tenant registry, the baseline StackSets, the task functions and the state machine."""

    settings: TenantSettings
    registry: dynamodb.TableV2
    notification_key: kms.Key
    notifications: sns.Topic
    event_bus: events.IEventBus
    stack_set_admin_role: iam.Role
    baseline: tuple[BaselineTemplate, ...]
    stack_sets: dict[str, cloudformation.CfnStackSet]
    functions: TenantFunctions
    validate_function: PythonTaskFunction
    lookup_function: PythonTaskFunction
    reconcile_function: PythonTaskFunction
    workflow: ObservableStateMachine
    state_machine: sfn.StateMachine

    def __init__(self, scope: Construct, construct_id: str, props: TenantProvisioningProps) -> None:
        super().__init__(scope, construct_id)
        self.props = props
        self.settings = props.settings
        self.baseline = tuple(
            props.baseline
            if props.baseline is not None
            else (BaselineTemplate.shipped(name) for name in self.settings.baseline.templates)
        )
        if not self.baseline:
            raise ValueError("TenantProvisioning needs at least one baseline template")
        self.registry = self._registry()
        self.notification_key = rotating_key(
            self, "NotificationKey", props.platform, "Encrypts tenant provisioning notifications"
        )
        self.notifications = encrypted_topic(
            self, "Notifications", self.notification_key, "Stepwise tenant provisioning"
        )
        self.event_bus = events.EventBus.from_event_bus_name(self, "EventBus", self.settings.event_bus_name)
        self.stack_sets = self._baseline_stack_sets()
        self.functions = tenant_functions(self, props.platform, self.settings, self.registry)
        # The names extenders used before `functions` existed.
        self.validate_function = self.functions.validate
        self.lookup_function = self.functions.lookup
        self.reconcile_function = self.functions.reconcile
        self.workflow = self._workflow()
        self.state_machine = self.workflow.state_machine
        self.notification_key.grant(self.workflow.role, "kms:GenerateDataKey", "kms:Decrypt")
        self._acknowledge_state_machine_findings()

    def _workflow(self) -> ObservableStateMachine:
        """The state machine: the provisioning graph, observed and alarmed."""
        definition = ProvisioningDefinition(
            self,
            ProvisioningResources(
                settings=self.settings,
                registry=self.registry,
                notifications=self.notifications,
                event_bus=self.event_bus,
                stack_sets=self.stack_sets,
                functions=self.functions,
            ),
        )
        return ObservableStateMachine(
            self,
            "Provisioning",
            ObservableStateMachineProps(
                platform=self.props.platform,
                definition=definition.start,
                alarm_topic=self.props.alarm_topic,
                timeout=Duration.minutes(self.settings.execution_timeout_minutes),
                comment="Create, move, baseline, register and announce one tenant account",
                task_functions=self.functions.all,
                state_machine_name=self.props.state_machine_name
                or f"{Stack.of(self).stack_name}-Provisioning",
            ),
        )

    # ----------------------------------------------------------------------------------- resources

    @property
    def stack_set_names(self) -> dict[str, str]:
        return {name: stack_set.stack_set_name for name, stack_set in self.stack_sets.items()}

    def _registry(self) -> dynamodb.TableV2:
        table = secure_table(
            self,
            "Registry",
            self.props.platform,
            partition_key=dynamodb.Attribute(name=CONTRACT.REGISTRY_KEY, type=dynamodb.AttributeType.STRING),
        )
        table.add_global_secondary_index(
            index_name=STATUS_INDEX,
            partition_key=dynamodb.Attribute(
                name=CONTRACT.STATUS_ATTRIBUTE, type=dynamodb.AttributeType.STRING
            ),
            sort_key=dynamodb.Attribute(name=CONTRACT.REGISTRY_KEY, type=dynamodb.AttributeType.STRING),
        )
        return table

    def _baseline_stack_sets(self) -> dict[str, cloudformation.CfnStackSet]:
        """One SELF_MANAGED StackSet per baseline template, named `<prefix>-<template>`."""
        prefix = self.props.stack_set_name_prefix or Stack.of(self).stack_name
        names = {template.name: f"{prefix}-{template.name}" for template in self.baseline}
        self.stack_set_admin_role = self._stack_set_admin_role(tuple(names.values()))
        return {template.name: self._stack_set(template, names[template.name]) for template in self.baseline}

    def _stack_set_admin_role(self, stack_set_names: Sequence[str]) -> iam.Role:
        """The SELF_MANAGED administration role: CloudFormation assumes it for these StackSets only;
        it assumes the tenant access role, only in accounts under the tenant and quarantine OUs."""
        stack_sets = [
            f"arn:{Aws.PARTITION}:cloudformation:{Aws.REGION}:{Aws.ACCOUNT_ID}:stackset/{name}:*"
            for name in stack_set_names
        ]
        role = iam.Role(
            self,
            "StackSetAdministrationRole",
            description="Baseline StackSets: assumes the tenant access role in tenant accounts",
            assumed_by=iam.ServicePrincipal(
                "cloudformation.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    # `:*` is the id CloudFormation appends to a StackSet's (unique) name.
                    "ArnLike": {"aws:SourceArn": stack_sets},
                },
            ),
        )
        settings = self.settings
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["sts:AssumeRole"],
                resources=[f"arn:{Aws.PARTITION}:iam::*:role/{settings.account_access_role_name}"],
                conditions={
                    "ForAnyValue:StringLike": {
                        "aws:ResourceOrgPaths": [
                            f"{settings.organization_id}/*/{ou}/*" for ou in settings.tenant_ou_ids
                        ]
                    }
                },
            )
        )
        acknowledge(
            role.node.find_child("DefaultPolicy"),
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/"
            f"{settings.account_access_role_name}]",
            "Tenant accounts are created at run time, so their ids cannot be listed; the role name "
            "is the dedicated tenant access role and aws:ResourceOrgPaths limits it to accounts under "
            "the tenant and quarantine OUs.",
        )
        return role

    def _stack_set(self, template: BaselineTemplate, name: str) -> cloudformation.CfnStackSet:
        read_only = self.settings.baseline.read_only
        platform = {
            "PlatformAccountId": Aws.ACCOUNT_ID,
            "AccountAccessRoleName": self.settings.account_access_role_name,
            "ReadOnlyPrincipalArns": ",".join(read_only.principal_arns),
            "ReadOnlyTenantData": "true" if read_only.read_tenant_data else "false",
        }
        stack_set = cloudformation.CfnStackSet(
            self,
            f"Baseline-{template.name}",
            # StackSetName is required by CloudFormation; it is derived from the stack name.
            stack_set_name=name,
            description=f"Stepwise tenant baseline: {template.name}",
            permission_model="SELF_MANAGED",
            administration_role_arn=self.stack_set_admin_role.role_arn,
            execution_role_name=self.settings.account_access_role_name,
            capabilities=["CAPABILITY_NAMED_IAM"],
            managed_execution={"Active": True},
            template_body=template.body,
            parameters=[
                cloudformation.CfnStackSet.ParameterProperty(parameter_key=key, parameter_value=value)
                for key, value in template.stack_set_parameters(platform).items()
            ],
        )
        stack_set.node.add_dependency(self.stack_set_admin_role)
        return stack_set

    # ------------------------------------------------------------------------------------- nag

    def _acknowledge_state_machine_findings(self) -> None:
        policy = self.workflow.role.node.try_find_child("DefaultPolicy")
        if policy is None:
            return
        organization = self.settings.organization_id
        reasons = {
            f"arn:<AWS::Partition>:organizations::<AWS::AccountId>:account/{organization}/*": (
                "Tenant account ids are only known at run time; MoveAccount and ListParents need the "
                "account's stepwise:tenant tag, TagResource the tag in the request (CreateAccount's)."
            ),
            f"arn:<AWS::Partition>:organizations::<AWS::AccountId>:root/{organization}/r-*": (
                "New accounts start in the organization root, whose id is read at run time; an "
                "organization has exactly one root."
            ),
        }
        for resource, reason in reasons.items():
            acknowledge(policy, f"AwsSolutions-IAM5[Resource::{resource}]", reason)
        acknowledge(
            policy,
            "AwsSolutions-IAM5[Resource::*]",
            "organizations:CreateAccount and DescribeCreateAccountStatus support no resource-level "
            "permissions (the account does not exist yet); tests/quality's IAM review allow-lists "
            "each wildcard action by name.",
        )
