"""EventBridge Scheduler schedules that start a state machine, with a dead-letter queue and alarm."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration, TimeZone
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.common import AlarmedQueue, dead_letter_queue


def schedule_dead_letters(scope: Construct, construct_id: str, alarm_topic: sns.ITopic) -> AlarmedQueue:
    """Where start requests the scheduler could not deliver go, with an alarm when any arrive."""
    return dead_letter_queue(
        scope,
        construct_id,
        alarm_topic=alarm_topic,
        description="A scheduled workflow start could not be delivered",
    )


def start_on_schedule(
    scope: Construct,
    construct_id: str,
    *,
    state_machine: sfn.IStateMachine,
    expression: str,
    enabled: bool,
    execution_input: Mapping[str, Any],
    dead_letter_queue: sqs.IQueue,
    description: str,
    timezone: str = "UTC",
) -> scheduler.Schedule:
    """A schedule (rate, cron or at expression from config) that starts the state machine."""
    return scheduler.Schedule(
        scope,
        construct_id,
        schedule=_expression(expression, timezone),
        target=targets.StepFunctionsStartExecution(
            state_machine,
            input=scheduler.ScheduleTargetInput.from_object(dict(execution_input)),
            dead_letter_queue=dead_letter_queue,
            retry_attempts=3,
            max_event_age=Duration.hours(1),
        ),
        enabled=enabled,
        description=description,
    )


def _expression(expression: str, timezone: str) -> scheduler.ScheduleExpression:
    if expression.startswith("rate("):
        return scheduler.ScheduleExpression.expression(expression)
    return scheduler.ScheduleExpression.expression(expression, TimeZone.of(timezone))
