"""The stack's customer-managed key for its log groups, with decrypt rights held by CloudWatch Logs only.

Who can read the logs: principals allowed `logs:GetLogEvents`/`FilterLogEvents`/`StartQuery` on
these log groups (IAM); CloudWatch Logs decrypts for them with its own use of the key. The key
policy lets the CloudWatch Logs service principal of the stack's region use the key only for log
groups of this stack (encryption context `aws:logs:arn` = a log group named `<stack name>-...`, the
names CloudFormation generates here), and lets the account administer the key (policy, rotation,
deletion) without any data-plane action: no IAM policy can grant kms:Decrypt, kms:CreateGrant or
kms:GenerateDataKey on it, so the ciphertext is readable through CloudWatch Logs only.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
"""

from __future__ import annotations

from aws_cdk import Aws, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.common.platform import Platform

LOGS_KEY_ID = "LogsKey"
# Key administration without kms:CreateGrant (a grant could hand out Decrypt) or any data-plane use.
ADMIN_ACTIONS = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)
# What CloudWatch Logs needs on a log group's key (the AWS documentation's statement).
LOGS_SERVICE_ACTIONS = (
    "kms:Encrypt*",
    "kms:Decrypt*",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:Describe*",
)


def stack_log_groups_arn(stack: Stack) -> str:
    """ARN pattern of the log groups CloudFormation names for this stack (`<stack name>-<id>-<suffix>`)."""
    return f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:{stack.stack_name}-*"


def logs_key(scope: Construct, platform: Platform) -> kms.Key:
    """The stack's single key for log groups that can hold personal data, created on first use."""
    stack = Stack.of(scope)
    existing = stack.node.try_find_child(LOGS_KEY_ID)
    if existing is not None:
        return existing  # type: ignore[return-value]
    return kms.Key(
        stack,
        LOGS_KEY_ID,
        enable_key_rotation=True,
        description=f"Encrypts the log groups of {stack.stack_name} ({platform.name})",
        removal_policy=platform.removal_policy,
        policy=_key_policy(stack),
    )


def _key_policy(stack: Stack) -> iam.PolicyDocument:
    return iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                sid="KeyAdministrationWithoutDataAccess",
                principals=[iam.AccountRootPrincipal()],
                actions=list(ADMIN_ACTIONS),
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="CloudWatchLogsForThisStacksLogGroups",
                principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
                actions=list(LOGS_SERVICE_ACTIONS),
                resources=["*"],
                conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": stack_log_groups_arn(stack)}},
            ),
        ]
    )


def encrypted_log_group(scope: Construct, platform: Platform) -> logs.LogGroup:
    """The construct's log group `Logs`: the environment's retention and removal policy, the stack's key."""
    return logs.LogGroup(
        scope,
        "Logs",
        retention=platform.log_retention,
        removal_policy=platform.removal_policy,
        encryption_key=logs_key(scope, platform),
    )
