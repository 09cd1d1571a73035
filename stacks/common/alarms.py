"""One way to page on-call: an alarm on a metric whose action is the stack's alarm topic."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_sns as sns
from constructs import Construct

ALARM_PERIOD = Duration.minutes(5)


def page_on(
    scope: Construct,
    construct_id: str,
    metric: cloudwatch.IMetric,
    *,
    topic: sns.ITopic,
    description: str,
    threshold: float = 1,
) -> cloudwatch.Alarm:
    """Notify `topic` when `metric` reaches `threshold` in one period; missing data is not a breach."""
    alarm = metric.create_alarm(
        scope,
        construct_id,
        threshold=threshold,
        evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        alarm_description=description,
    )
    alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic))
    return alarm
