"""The tenants workflow's task functions (lambdas/tenants/), each with the permissions its handler needs."""

from __future__ import annotations

import json
from dataclasses import dataclass

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks.common import PythonTaskFunction, TaskFunctionFactory, acknowledge
from stacks.common.contracts import handler_contract
from stacks.common.platform import Platform
from stacks.tenants.organization import TENANT_TAG_REQUESTED, organizations_arns
from stacks.tenants.settings import TenantSettings

SERVICE = "tenants"
CONTRACT = handler_contract("tenants")


@dataclass(frozen=True)
class TenantFunctions:
    """ValidateRequest's, LoadExistingTenant's and ReconcileAccount's functions."""

    validate: PythonTaskFunction
    lookup: PythonTaskFunction
    reconcile: PythonTaskFunction

    @property
    def all(self) -> list[PythonTaskFunction]:
        return [self.validate, self.lookup, self.reconcile]


def tenant_functions(
    scope: Construct, platform: Platform, settings: TenantSettings, registry: dynamodb.ITableV2
) -> TenantFunctions:
    """The three task functions, created in `scope` (the construct: their construct paths)."""
    factory = TaskFunctionFactory(scope, platform, "tenants", service=SERVICE)
    return TenantFunctions(
        validate=_validate_function(factory, settings),
        lookup=_lookup_function(factory, registry),
        reconcile=_reconcile_function(factory, settings, registry),
    )


def _validate_function(factory: TaskFunctionFactory, settings: TenantSettings) -> PythonTaskFunction:
    """ValidateRequest: checks a request against the configured tiers, OUs and e-mail domains."""
    tiers = {name: tier.model_dump(by_alias=True) for name, tier in settings.tiers.items()}
    return factory.create(
        "ValidateFunction",
        CONTRACT.VALIDATE_HANDLER,
        "Validate a tenant request and prepare tags and registry attributes",
        timeout_seconds=10,
        environment={
            CONTRACT.TENANT_TIERS_ENV: json.dumps(tiers, sort_keys=True),
            CONTRACT.ALLOWED_OU_IDS_ENV: ",".join(settings.allowed_ou_ids),
            CONTRACT.RESERVED_OU_IDS_ENV: f"{settings.quarantine_ou_id},{settings.suspended_ou_id}",
            CONTRACT.ALLOWED_EMAIL_DOMAINS_ENV: ",".join(settings.allowed_email_domains),
        },
    )


def _lookup_function(factory: TaskFunctionFactory, registry: dynamodb.ITableV2) -> PythonTaskFunction:
    """LoadExistingTenant: reads the registry record of a tenant id already claimed."""
    function = factory.create(
        "LookupFunction",
        CONTRACT.LOOKUP_HANDLER,
        "Read the registry record of an already claimed tenant",
        timeout_seconds=10,
        environment={CONTRACT.REGISTRY_TABLE_ENV: registry.table_name},
    )
    function.role.add_to_policy(
        iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[registry.table_arn])
    )
    return function


def _reconcile_function(
    factory: TaskFunctionFactory, settings: TenantSettings, registry: dynamodb.ITableV2
) -> PythonTaskFunction:
    """ReconcileAccount: finds the request a CreateAccount with a lost answer made, or sends it."""
    function = factory.create(
        "ReconcileFunction",
        CONTRACT.RECONCILE_HANDLER,
        "Adopt the account request a lost CreateAccount made, or request the account",
        timeout_seconds=60,
        environment={
            CONTRACT.REGISTRY_TABLE_ENV: registry.table_name,
            CONTRACT.ACCOUNT_ACCESS_ROLE_ENV: settings.account_access_role_name,
        },
    )
    for statement in _reconcile_statements(settings, registry):
        function.role.add_to_policy(statement)
    policy = function.role.node.find_child("DefaultPolicy")
    acknowledge(
        policy,
        "AwsSolutions-IAM5[Resource::*]",
        "organizations:ListCreateAccountStatus, ListAccounts and CreateAccount have no resource "
        "type (the account does not exist yet); CreateAccount requires the stepwise:tenant tag.",
    )
    acknowledge(
        policy,
        f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:organizations::<AWS::AccountId>:account/"
        f"{settings.organization_id}/*]",
        "The account holding the tenant's e-mail is only known at run time (any member account: "
        "reads only); tags are written only with the stepwise:tenant tag (CreateAccount's).",
    )
    return function


def _reconcile_statements(settings: TenantSettings, registry: dynamodb.ITableV2) -> list[iam.PolicyStatement]:
    """Read the claim, look for the lost request and the e-mail's account, send CreateAccount once."""
    [accounts] = organizations_arns(settings, "account")
    return [
        iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[registry.table_arn]),
        iam.PolicyStatement(
            actions=["organizations:ListCreateAccountStatus", "organizations:ListAccounts"],
            resources=["*"],
        ),
        iam.PolicyStatement(
            actions=["organizations:DescribeAccount", "organizations:ListTagsForResource"],
            resources=[accounts],
        ),
        # Only accounts tagged for a tenant: the handler always sends the tenant tag.
        iam.PolicyStatement(
            actions=["organizations:CreateAccount"], resources=["*"], conditions=TENANT_TAG_REQUESTED
        ),
        iam.PolicyStatement(
            actions=["organizations:TagResource"], resources=[accounts], conditions=TENANT_TAG_REQUESTED
        ),
    ]
