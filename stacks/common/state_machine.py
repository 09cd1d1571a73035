"""A state machine that is observable by default: execution logs, tracing, alarms and a dashboard.

What it logs comes from the environment's `executionLogging` (level, execution data); the log group
is encrypted with the stack's logs key (`stacks.common.log_encryption`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.common.log_encryption import encrypted_log_group
from stacks.common.nag import acknowledge, arn_token
from stacks.common.platform import Platform
from stacks.common.task_function import PythonTaskFunction

ALARM_PERIOD = Duration.minutes(5)
# What Step Functions needs to deliver execution logs and traces (as CDK's StateMachine grants them).
LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
TRACING_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
)


@dataclass(frozen=True)
class ObservableStateMachineProps:
    """What a workflow passes to get a production-ready state machine."""

    platform: Platform
    definition: sfn.IChainable
    alarm_topic: sns.ITopic
    timeout: Duration
    state_machine_type: sfn.StateMachineType = sfn.StateMachineType.STANDARD
    comment: str | None = None
    task_functions: Sequence[PythonTaskFunction] = field(default_factory=tuple)
    # Errors that end an execution by design (e.g. PaymentDeclined): they do not page anyone.
    expected_errors: Sequence[str] = field(default_factory=tuple)
    # A fixed name lets the role trust exactly this state machine (aws:SourceArn = its ARN, built from
    # the name: the role cannot refer to the machine, which refers to the role). Unset: CDK's role,
    # trusted by every state machine of the account and region (`stateMachine:*`).
    state_machine_name: str | None = None


class ObservableStateMachine(Construct):
    """Standard or Express state machine with execution logs, X-Ray, alarms and a dashboard."""

    state_machine: sfn.StateMachine
    role: iam.IRole
    log_group: logs.LogGroup
    logs_failures: bool
    alarms: list[cloudwatch.Alarm]
    dashboard: cloudwatch.Dashboard

    def __init__(self, scope: Construct, construct_id: str, props: ObservableStateMachineProps) -> None:
        super().__init__(scope, construct_id)
        level = props.platform.execution_log_level
        self.log_group = encrypted_log_group(self, props.platform)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=props.state_machine_name,
            role=self._pinned_role(props.state_machine_name) if props.state_machine_name else None,
            definition_body=sfn.DefinitionBody.from_chainable(props.definition),
            state_machine_type=props.state_machine_type,
            timeout=props.timeout,
            comment=props.comment,
        )
        self._observe(level, props.platform.include_execution_data)
        self.role = self.state_machine.role
        self.logs_failures = level != "OFF"
        self.alarms = self._alarms(props.alarm_topic, props.expected_errors)
        if level != "ALL":
            acknowledge(
                self.state_machine,
                "AwsSolutions-SF1",
                f"This environment's executionLogging sets level {level}: executions carry "
                "customer data that level ALL would log event by event; the execution history keeps "
                "every event for operators (docs/logging.md says what each level logs).",
            )
        self.dashboard = self._dashboard(construct_id, props.task_functions)
        self._acknowledge_role_findings(props.task_functions)

    def _observe(self, level: str, include_execution_data: bool) -> None:
        """Execution logs and X-Ray tracing, with their permissions in a policy of their own.

        Log delivery and X-Ray actions support no resource-level permissions: `Resource: "*"` is
        acknowledged on that policy only, so a wildcard grant a task adds to the role's default
        policy still reaches cdk-nag (CDK's `logs=`/`tracing_enabled=` would put these statements
        there and force a blanket acknowledgement).
        """
        cfn = self.state_machine.node.default_child
        assert isinstance(cfn, sfn.CfnStateMachine)
        cfn.logging_configuration = sfn.CfnStateMachine.LoggingConfigurationProperty(
            destinations=[
                sfn.CfnStateMachine.LogDestinationProperty(
                    cloud_watch_logs_log_group=sfn.CfnStateMachine.CloudWatchLogsLogGroupProperty(
                        log_group_arn=self.log_group.log_group_arn
                    )
                )
            ],
            include_execution_data=include_execution_data,
            level=level,
        )
        cfn.tracing_configuration = sfn.CfnStateMachine.TracingConfigurationProperty(enabled=True)
        observability = iam.Policy(
            self,
            "ObservabilityPolicy",
            statements=[
                iam.PolicyStatement(actions=list(LOG_DELIVERY_ACTIONS), resources=["*"]),
                iam.PolicyStatement(actions=list(TRACING_ACTIONS), resources=["*"]),
            ],
        )
        observability.attach_to_role(self.state_machine.role)
        cfn.node.add_dependency(observability)
        acknowledge(
            observability,
            "AwsSolutions-IAM5[Resource::*]",
            "Log delivery (logs:*LogDelivery, DescribeLogGroups, PutResourcePolicy) and X-Ray "
            "(PutTraceSegments, GetSamplingRules) support no resource-level permissions.",
        )

    def _pinned_role(self, name: str) -> iam.Role:
        """The execution role, assumable by Step Functions only for the state machine called `name`."""
        arn = f"arn:{Aws.PARTITION}:states:{Aws.REGION}:{Aws.ACCOUNT_ID}:stateMachine:{name}"
        return iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "states.amazonaws.com",
                conditions={
                    "ArnEquals": {"aws:SourceArn": arn},
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                },
            ),
        )

    def _alarms(self, topic: sns.ITopic, expected_errors: Sequence[str]) -> list[cloudwatch.Alarm]:
        machine = self.state_machine
        metrics = {
            "Failed": self._unexpected_failures(expected_errors)
            if expected_errors and self.logs_failures
            else machine.metric_failed(period=ALARM_PERIOD, statistic="Sum"),
            "TimedOut": machine.metric_timed_out(period=ALARM_PERIOD, statistic="Sum"),
            "Throttled": machine.metric_throttled(period=ALARM_PERIOD, statistic="Sum"),
        }
        alarms = []
        for name, metric in metrics.items():
            alarm = metric.create_alarm(
                self,
                f"Executions{name}Alarm",
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=f"{self.node.path}: executions {name.lower()} in the last 5 minutes",
            )
            alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic))
            alarms.append(alarm)
        return alarms

    def _unexpected_failures(self, expected_errors: Sequence[str]) -> cloudwatch.Metric:
        """Failed executions whose error is not a designed outcome, counted from the execution log.

        ExecutionFailed is logged at levels ALL, ERROR and FATAL (step-functions/latest/dg/
        cloudwatch-log-level.html), and its `error` is not execution data, which is an event's
        input or output (apireference/API_GetExecutionHistory.html), so it stays when
        includeExecutionData is false. With logging OFF the alarm counts every failed execution.
        """
        pattern = logs.FilterPattern.all(
            logs.FilterPattern.string_value("$.type", "=", "ExecutionFailed"),
            *(logs.FilterPattern.string_value("$.details.error", "!=", error) for error in expected_errors),
        )
        metric_filter = self.log_group.add_metric_filter(
            "UnexpectedFailures",
            filter_pattern=pattern,
            metric_namespace=f"Stepwise/{Stack.of(self).stack_name}",
            metric_name=f"{self.node.id}UnexpectedFailures",
            metric_value="1",
            default_value=0,
        )
        return metric_filter.metric(period=ALARM_PERIOD, statistic="Sum")

    def _dashboard(self, title: str, task_functions: Sequence[PythonTaskFunction]) -> cloudwatch.Dashboard:
        machine = self.state_machine
        dashboard = cloudwatch.Dashboard(self, "Dashboard")
        dashboard.add_widgets(
            cloudwatch.TextWidget(markdown=f"# {title}", width=24, height=1),
            cloudwatch.GraphWidget(
                title="Executions",
                left=[
                    machine.metric_started(),
                    machine.metric_succeeded(),
                    machine.metric_failed(),
                    machine.metric_timed_out(),
                    machine.metric_aborted(),
                    machine.metric_throttled(),
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Execution duration (ms)",
                left=[
                    machine.metric_time(statistic="p50", label="p50"),
                    machine.metric_time(statistic="p99", label="p99"),
                ],
                width=12,
            ),
        )
        if task_functions:
            dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title="Task errors",
                    left=[task.function.metric_errors(label=task.node.id) for task in task_functions],
                    width=12,
                ),
                cloudwatch.GraphWidget(
                    title="Task throttles",
                    left=[task.function.metric_throttles(label=task.node.id) for task in task_functions],
                    width=12,
                ),
            )
        return dashboard

    def _acknowledge_role_findings(self, task_functions: Sequence[PythonTaskFunction]) -> None:
        policy = self.role.node.try_find_child("DefaultPolicy")
        if policy is None:
            return
        for task in task_functions:
            acknowledge(
                policy,
                f"AwsSolutions-IAM5[Resource::{arn_token(task.function)}:*]",
                "lambda:InvokeFunction on the task function's versions and aliases (`:*`) is how "
                "Step Functions grants invoke; the function itself is named exactly.",
            )
