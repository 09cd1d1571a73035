"""Every queue the shared helpers create is encrypted, TLS-only and alarmed, its dead letters too."""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Duration
from aws_cdk.assertions import Match, Template

from stacks.application import project_context
from stacks.common import QueueAlarm, WorkflowStack, dead_letter_queue, encrypted_queue
from stacks.config import load_environment
from tests.support.probe import probe_template
from tests.support.synth import fresh_app


def _queue_alarms(template: dict[str, Any], queue_id: str) -> list[dict[str, Any]]:
    return [
        alarm["Properties"]
        for alarm in template["Resources"].values()
        if alarm["Type"] == "AWS::CloudWatch::Alarm"
        and {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}
        in alarm["Properties"].get("Dimensions", [])
    ]


def _logical_id(template: dict[str, Any], prefix: str) -> str:
    (found,) = [
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::SQS::Queue" and logical_id[:-8] == prefix  # CDK adds an 8-char hash
    ]
    return found


def test_queues_are_encrypted_with_a_dead_letter_queue():
    probe_template().has_resource_properties(
        "AWS::SQS::Queue",
        {
            "SqsManagedSseEnabled": True,
            "RedrivePolicy": {"maxReceiveCount": 5, "deadLetterTargetArn": Match.any_value()},
        },
    )


def test_a_parking_queue_and_its_dead_letters_page_on_the_first_message():
    template = probe_template().to_json()
    for queue in ("Parked", "ParkedDeadLetters"):
        (alarm,) = _queue_alarms(template, _logical_id(template, queue))
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
            "Maximum",
            1,
            "GreaterThanOrEqualToThreshold",
        )
        (action,) = alarm["AlarmActions"]
        assert action["Ref"].startswith("AlarmTopic")


class _QueueStack(WorkflowStack):
    def __init__(self, scope: App) -> None:
        super().__init__(scope, "Queues", load_environment(project_context()["environments"], "dev").platform)
        self.work = encrypted_queue(
            self,
            "Work",
            alarm_topic=self.alarm_topic,
            alarm=QueueAlarm("Work waits too long.", max_age=Duration.minutes(15)),
        )
        self.events = dead_letter_queue(
            self, "Undelivered", alarm_topic=self.alarm_topic, description="An event was not delivered."
        )


def test_a_work_queue_pages_on_its_oldest_message_and_exposes_every_alarm():
    stack = _QueueStack(fresh_app())
    template = Template.from_stack(stack).to_json()
    (age,) = _queue_alarms(template, _logical_id(template, "Work"))
    assert (age["MetricName"], age["Threshold"], age["AlarmDescription"]) == (
        "ApproximateAgeOfOldestMessage",
        900,
        "Work waits too long.",
    )
    assert stack.work.dead_letters is not None
    assert stack.work.alarms == [stack.work.alarm, stack.work.dead_letters.alarm]
    assert stack.events.dead_letters is None and stack.events.alarms == [stack.events.alarm]
    undelivered = template["Resources"][_logical_id(template, "Undelivered")]["Properties"]
    assert "RedrivePolicy" not in undelivered and undelivered["SqsManagedSseEnabled"] is True
    (alarm,) = _queue_alarms(template, _logical_id(template, "Undelivered"))
    assert alarm["AlarmDescription"] == "An event was not delivered."
