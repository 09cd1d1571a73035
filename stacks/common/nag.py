"""cdk-nag wiring: AwsSolutions checks on every stack, and narrow, reasoned acknowledgements."""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, Stack, Validations
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
