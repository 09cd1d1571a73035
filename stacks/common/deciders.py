"""A role that answers task tokens a workflow parked on its items (an approver deciding approvals, an
operator resuming parked orders), with the KMS key the tokens are stored under: only that role may
decrypt with it, only with the item's encryption context (its key field and the execution id), and
it alone, with the workflow's other deciders, holds states:SendTaskSuccess/SendTaskFailure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from stacks.common.nag import acknowledge
from stacks.common.platform import Platform
from stacks.common.storage import rotating_key


@dataclass(frozen=True)
class DeciderSpec:
    """One deciding role: construct ids, trusted principals and what it may write on a status item."""

    role_id: str
    key_id: str
    sid: str
    principals: Sequence[str]
    role_description: str
    key_description: str
    attributes: Sequence[str]
    answers: str  # the acknowledgement's wording: which tokens the role answers
    context_keys: Sequence[str]  # the encryption context a stored token is bound to
    holders: str  # the acknowledgement's wording: who holds SendTaskSuccess/Failure for these tokens
    reads: Sequence[str] = ("dynamodb:GetItem",)


def token_decider(
    scope: Construct, spec: DeciderSpec, platform: Platform, table: dynamodb.ITableV2
) -> tuple[iam.Role, kms.Key]:
    """The role (trusting `spec.principals`, or the account) and the key only it may decrypt with."""
    principals: list[iam.IPrincipal] = [iam.ArnPrincipal(arn) for arn in spec.principals] or [
        iam.AccountRootPrincipal()
    ]
    role = iam.Role(
        scope,
        spec.role_id,
        assumed_by=iam.CompositePrincipal(*principals),
        description=f"{spec.role_description} ({platform.name})",
        max_session_duration=Duration.hours(1),
    )
    key = rotating_key(scope, spec.key_id, platform, spec.key_description)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid=spec.sid,
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["kms:Decrypt"],
            resources=["*"],
            conditions={"ArnNotEquals": {"aws:PrincipalArn": role.role_arn}},
        )
    )
    _grant(role, spec, key, table)
    return role, key


def _grant(role: iam.Role, spec: DeciderSpec, key: kms.Key, table: dynamodb.ITableV2) -> None:
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["kms:Decrypt"],
            resources=[key.key_arn],
            conditions={"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": list(spec.context_keys)}},
        )
    )
    role.add_to_policy(iam.PolicyStatement(actions=list(spec.reads), resources=[table.table_arn]))
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["dynamodb:UpdateItem"],
            resources=[table.table_arn],
            conditions={"ForAllValues:StringEquals": {"dynamodb:Attributes": list(spec.attributes)}},
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(actions=["states:SendTaskSuccess", "states:SendTaskFailure"], resources=["*"])
    )
    acknowledge(
        role.node.find_child("DefaultPolicy"),
        "AwsSolutions-IAM5[Resource::*]",
        "states:SendTaskSuccess/SendTaskFailure support no resource-level permissions; only "
        f"{spec.holders} hold them (this one answers {spec.answers}), and the tokens it can send are "
        "the ones only it can decrypt.",
    )
