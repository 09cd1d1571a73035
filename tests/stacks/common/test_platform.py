"""The Platform an environment hands the shared constructs: built from its config, checked on its own."""

from __future__ import annotations

import pytest
from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs

from stacks.application import project_context
from stacks.common.platform import Platform, PlatformError
from stacks.config import load_environment


def _environment(**overrides: object):
    raw = {**project_context()["environments"]["dev"], **overrides}
    return load_environment({"custom": raw}, "custom")


def test_the_platform_carries_what_the_environment_sets() -> None:
    config = _environment(
        removalPolicy="destroy",
        logRetentionDays=30,
        executionLogging={"level": "ALL", "includeExecutionData": True},
        lambdaTracing="off",
        account="123456789012",
        region="eu-west-1",
        alarmEmail="ops@example.com",
        sandbox=True,
    )

    assert config.platform == Platform(
        name="custom",
        removal_policy=RemovalPolicy.DESTROY,
        log_retention_days=30,
        execution_log_level="ALL",
        include_execution_data=True,
        lambda_tracing="off",
        account="123456789012",
        region="eu-west-1",
        alarm_email="ops@example.com",
    )
    assert config.platform.log_retention == logs.RetentionDays.ONE_MONTH


def test_a_retained_environment_gives_a_retaining_platform() -> None:
    platform = _environment(removalPolicy="retain", logRetentionDays=14).platform

    assert platform.removal_policy == RemovalPolicy.RETAIN
    assert platform.log_retention == logs.RetentionDays.TWO_WEEKS


def test_a_retention_cloudwatch_does_not_offer_is_refused_by_name() -> None:
    with pytest.raises(
        PlatformError, match=r"Platform.log_retention_days: must be one of 1, 3, .* \(got 2\)"
    ):
        Platform(
            name="x",
            removal_policy=RemovalPolicy.RETAIN,
            log_retention_days=2,
            execution_log_level="ERROR",
            include_execution_data=False,
            lambda_tracing="xray",
        )
