"""cdk-nag wiring: AwsSolutions checks on every stack, and narrow, reasoned acknowledgements."""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, Stack, Token, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def enable_nag(app: App) -> None:
    """Run the AwsSolutions rule pack at synth; any unacknowledged finding fails synthesis."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, finding_id: str, reason: str) -> None:
    """Acknowledge one finding (e.g. `AwsSolutions-IAM5[Resource::*]`) on one construct, with a reason."""
    if not reason.strip():
        raise ValueError(f"acknowledging {finding_id} needs a written reason")
    Validations.of(scope).acknowledge(Acknowledgment(id=finding_id, reason=reason))


def arn_token(scope: IConstruct) -> str:
    """The `<LogicalId.Arn>` spelling cdk-nag uses for a resource's ARN inside finding ids."""
    stack = Stack.of(scope)
    return f"<{stack.get_logical_id(scope.node.default_child)}.Arn>"  # type: ignore[arg-type]


def arn_prefix(scope: IConstruct, service: str) -> str:
    """`arn:<partition>:<service>:<region>:<account>:` as cdk-nag spells a `Stack.format_arn` ARN of the
    scope's stack in finding ids: the stack's values where it is pinned to an account and region,
    `<AWS::Partition>`, `<AWS::Region>`, `<AWS::AccountId>` where they are deploy-time tokens."""
    stack = Stack.of(scope)
    partition, region, account = (
        f"<AWS::{pseudo}>" if Token.is_unresolved(value) else value
        for value, pseudo in (
            (stack.partition, "Partition"),
            (stack.region, "Region"),
            (stack.account, "AccountId"),
        )
    )
    return f"arn:{partition}:{service}:{region}:{account}:"
