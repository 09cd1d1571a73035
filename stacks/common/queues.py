"""Queues that cannot exist unwatched: every queue and dead-letter queue pages the alarm topic."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.common.alarms import ALARM_PERIOD, page_on
from stacks.common.nag import acknowledge

RETENTION = Duration.days(14)
MAX_RECEIVES = 5


@dataclass(frozen=True)
class QueueAlarm:
    """When a queue pages on-call, and what the page says.

    Without `max_age`, any visible message pages: parking and dead-letter queues, where every
    message waits for a person. With it, the oldest message reaching that age pages: work queues,
    whose consumer has stopped or fallen behind.
    """

    description: str
    max_age: Duration | None = None


class AlarmedQueue(sqs.Queue):
    """A TLS-only, SQS-encrypted queue created together with its alarm to the alarm topic.

    `alarm` is this queue's alarm, `dead_letters` the (alarmed) queue its poison messages go to,
    `alarms` both queues' alarms.
    """

    alarm: cloudwatch.Alarm
    dead_letters: AlarmedQueue | None

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        alarm_topic: sns.ITopic,
        alarm: QueueAlarm,
        retention: Duration = RETENTION,
        visibility_timeout: Duration | None = None,
        dead_letters: AlarmedQueue | None = None,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=retention,
            visibility_timeout=visibility_timeout,
            dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=MAX_RECEIVES)
            if dead_letters
            else None,
        )
        self.dead_letters = dead_letters
        if alarm.max_age is None:
            metric = self.metric_approximate_number_of_messages_visible(
                period=ALARM_PERIOD, statistic="Maximum"
            )
            self.alarm = page_on(
                scope, f"{construct_id}Alarm", metric, topic=alarm_topic, description=alarm.description
            )
        else:
            metric = self.metric_approximate_age_of_oldest_message(period=ALARM_PERIOD, statistic="Maximum")
            self.alarm = page_on(
                scope,
                f"{construct_id}AgeAlarm",
                metric,
                topic=alarm_topic,
                description=alarm.description,
                threshold=alarm.max_age.to_seconds(),
            )

    @property
    def alarms(self) -> list[cloudwatch.Alarm]:
        """This queue's alarm, then its dead-letter queue's."""
        return [self.alarm, *(self.dead_letters.alarms if self.dead_letters else ())]


def dead_letter_queue(
    scope: Construct, construct_id: str, *, alarm_topic: sns.ITopic, description: str
) -> AlarmedQueue:
    """Where a service (EventBridge rule target, Scheduler, Lambda async invoke) puts what it could
    not deliver; messages wait 14 days and the first one pages."""
    queue = AlarmedQueue(scope, construct_id, alarm_topic=alarm_topic, alarm=QueueAlarm(description))
    acknowledge(
        queue,
        "AwsSolutions-SQS3",
        "This queue is itself a dead-letter queue (of a service, not of another queue): nothing "
        "consumes it, and its alarm pages on the first message.",
    )
    return queue


def encrypted_queue(
    scope: Construct,
    construct_id: str,
    *,
    alarm_topic: sns.ITopic,
    alarm: QueueAlarm,
    retention: Duration = RETENTION,
    visibility_timeout: Duration = Duration.seconds(60),
) -> AlarmedQueue:
    """A work or parking queue; a message received 5 times unprocessed moves to its dead-letter queue.

    Both queues are alarmed: this one as `alarm` says, the dead-letter queue on any message.
    """
    dead_letters = AlarmedQueue(
        scope,
        f"{construct_id}DeadLetters",
        alarm_topic=alarm_topic,
        alarm=QueueAlarm(
            f"A message of {construct_id} was received {MAX_RECEIVES} times without being processed "
            "and moved to its dead-letter queue."
        ),
    )
    return AlarmedQueue(
        scope,
        construct_id,
        alarm_topic=alarm_topic,
        alarm=alarm,
        retention=retention,
        visibility_timeout=visibility_timeout,
        dead_letters=dead_letters,
    )
