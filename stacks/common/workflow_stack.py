"""Base class for workflow stacks: environment-aware naming, tags and a shared alarm topic."""

from __future__ import annotations

from typing import ClassVar

from aws_cdk import Environment, Stack, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks.common.platform import Platform
from stacks.common.storage import encrypted_topic, rotating_key

PROJECT_NAME = "Stepwise"


def stack_name(environment: str, workflow: str) -> str:
    """`Stepwise-<env>-<Workflow>`: several environments can share one account side by side."""
    return f"{PROJECT_NAME}-{environment}-{workflow}"


class WorkflowStack(Stack):
    """A stack that only composes one workflow construct; subclasses add the construct."""

    # The stack name's suffix (`Stepwise-<env>-<WORKFLOW_NAME>`): registered stacks declare it, so tools
    # name a workflow's stack without synthesizing it.
    WORKFLOW_NAME: ClassVar[str]
    platform: Platform
    alarm_topic: sns.Topic
    alarm_key: kms.Key

    def __init__(self, scope: Construct, workflow: str, platform: Platform) -> None:
        super().__init__(
            scope,
            stack_name(platform.name, workflow),
            env=Environment(account=platform.account, region=platform.region),
            description=f"{PROJECT_NAME} {workflow} workflow ({platform.name})",
        )
        self.platform = platform
        Tags.of(self).add("project", PROJECT_NAME)
        Tags.of(self).add("environment", platform.name)
        Tags.of(self).add("workflow", workflow)
        self.alarm_key = rotating_key(self, "AlarmTopicKey", platform, f"Encrypts the {workflow} alarm topic")
        self.alarm_topic = encrypted_topic(
            self,
            "AlarmTopic",
            self.alarm_key,
            f"{PROJECT_NAME} {workflow} alarms ({platform.name})",
            subscriber_email=platform.alarm_email,
        )
        self.alarm_key.grant_encrypt_decrypt(iam.ServicePrincipal("cloudwatch.amazonaws.com"))
