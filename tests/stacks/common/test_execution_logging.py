"""Per-environment execution logging, encrypted log groups and the key that only CloudWatch Logs uses."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.application import project_context
from stacks.common import enable_nag
from stacks.common.log_encryption import ADMIN_ACTIONS
from stacks.config import load_environment
from tests.support.probe import probe_stack, probe_template
from tests.support.probe_stack import ProbeStack
from tests.support.synth import fresh_app

DATA_PLANE = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant"}


def probe_with(logging: dict[str, Any]) -> Template:
    environments = {"test": {**project_context()["environments"]["prod"], "executionLogging": logging}}
    app = fresh_app()
    stack = ProbeStack(app, load_environment(environments, "test"))
    enable_nag(app)
    return Template.from_stack(stack)


def logging_configuration(template: Template) -> dict[str, Any]:
    (machine,) = template.find_resources("AWS::StepFunctions::StateMachine").values()
    return dict(machine["Properties"]["LoggingConfiguration"])


def alarm_metrics(template: Template) -> list[str]:
    """The metrics the state machine's alarms watch (the probe's queue alarms aside)."""
    return sorted(
        alarm["Properties"]["MetricName"]
        for alarm in template.find_resources("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("Namespace") != "AWS/SQS"
    )


def test_prod_logs_failures_only_without_execution_data() -> None:
    configuration = logging_configuration(Template.from_stack(probe_stack("prod")))
    assert (configuration["Level"], configuration["IncludeExecutionData"]) == ("ERROR", False)


def test_dev_logs_every_event_with_its_data() -> None:
    configuration = logging_configuration(probe_template())
    assert (configuration["Level"], configuration["IncludeExecutionData"]) == ("ALL", True)


@pytest.mark.parametrize("level", ["ALL", "ERROR", "FATAL"])
def test_the_unexpected_failures_alarm_reads_the_log_at_every_level_that_logs_execution_failed(
    level: str,
) -> None:
    template = probe_with({"level": level, "includeExecutionData": False})
    assert len(template.find_resources("AWS::Logs::MetricFilter")) == 1
    assert "ProbeWorkflowUnexpectedFailures" in alarm_metrics(template)


def test_without_logs_the_failed_alarm_counts_every_failed_execution() -> None:
    template = probe_with({"level": "OFF"})
    assert template.find_resources("AWS::Logs::MetricFilter") == {}
    assert alarm_metrics(template) == ["ExecutionThrottled", "ExecutionsFailed", "ExecutionsTimedOut"]


def test_every_log_group_is_encrypted_with_the_stacks_logs_key() -> None:
    template = probe_template().to_json()
    (key_id,) = [key for key, value in template["Resources"].items() if key.startswith("LogsKey")]
    groups = [r for r in template["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert len(groups) == 2  # the state machine's and the task function's
    for group in groups:
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_only_cloudwatch_logs_may_use_the_key_and_only_for_this_stacks_log_groups() -> None:
    template = probe_template().to_json()
    key = next(r for k, r in template["Resources"].items() if k.startswith("LogsKey"))
    assert key["Properties"]["EnableKeyRotation"] is True
    admin, service = key["Properties"]["KeyPolicy"]["Statement"]
    assert admin["Principal"]["AWS"]["Fn::Join"][1][-1] == ":root"
    assert set(admin["Action"]) == set(ADMIN_ACTIONS)
    assert not DATA_PLANE & set(admin["Action"]) and not any("*" in action for action in admin["Action"])
    assert service["Principal"]["Service"]["Fn::Join"][1] == [
        "logs.",
        {"Ref": "AWS::Region"},
        ".amazonaws.com",
    ]
    condition = service["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]["Fn::Join"][1]
    assert condition[-1] == ":log-group:Stepwise-dev-Probe-*"
    assert {"Ref": "AWS::AccountId"} in condition and {"Ref": "AWS::Region"} in condition
