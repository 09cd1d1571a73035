"""Human approval through `.waitForTaskToken`: the approver role and the key task tokens are stored under.

A workflow's request-approval handler encrypts the task token under `key` (encryption context: the
item's key field and the execution id) and stores the ciphertext on the item of `table`; only `role`
may decrypt with that key, read the item, write the decision attributes and send the token back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from stacks.common.nag import acknowledge


@dataclass(frozen=True)
class ApproversProps:
    """What the approver role may do, and who may assume it (empty `principals`: the account)."""

    principals: Sequence[str]
    table: dynamodb.ITableV2
    key_field: str
    decision_attributes: Sequence[str]
    role_description: str
    key_description: str
    removal_policy: RemovalPolicy


@dataclass(frozen=True)
class Approvers:
    role: iam.Role
    key: kms.Key


def create_approvers(scope: Construct, props: ApproversProps) -> Approvers:
    """`Approver` (role) and `ApprovalTokenKey` (key) in `scope`: only the role decrypts with the key."""
    principals: list[iam.IPrincipal] = [iam.ArnPrincipal(arn) for arn in props.principals] or [
        iam.AccountRootPrincipal()
    ]
    role = iam.Role(
        scope,
        "Approver",
        assumed_by=iam.CompositePrincipal(*principals),
        description=props.role_description,
        max_session_duration=Duration.hours(1),
    )
    key = kms.Key(
        scope,
        "ApprovalTokenKey",
        enable_key_rotation=True,
        description=props.key_description,
        removal_policy=props.removal_policy,
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="OnlyApproversDecrypt",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["kms:Decrypt"],
            resources=["*"],
            conditions={"ArnNotEquals": {"aws:PrincipalArn": role.role_arn}},
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["kms:Decrypt"],
            resources=[key.key_arn],
            conditions={
                "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": [props.key_field, "executionId"]}
            },
        )
    )
    role.add_to_policy(iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[props.table.table_arn]))
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["dynamodb:UpdateItem"],
            resources=[props.table.table_arn],
            conditions={
                "ForAllValues:StringEquals": {"dynamodb:Attributes": list(props.decision_attributes)}
            },
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(actions=["states:SendTaskSuccess", "states:SendTaskFailure"], resources=["*"])
    )
    acknowledge(
        role.node.find_child("DefaultPolicy"),
        "AwsSolutions-IAM5[Resource::*]",
        "states:SendTaskSuccess/SendTaskFailure support no resource-level permissions; this role "
        "is their only holder, and the tokens it can send are the ones only it can decrypt.",
    )
    return Approvers(role=role, key=key)
