"""A small stack composing every shared construct, used to test them before and beside workflows."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.common import (
    ObservableStateMachine,
    ObservableStateMachineProps,
    PythonTaskFunction,
    QueueAlarm,
    TaskFunctionProps,
    WorkflowStack,
    encrypted_queue,
    invoke_lambda,
    secure_bucket,
    secure_table,
)
from stacks.config import EnvironmentConfig

FIXTURE_LAMBDAS = Path(__file__).resolve().parents[1] / "fixtures" / "lambdas"


class ProbeStack(WorkflowStack):
    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, "Probe", config.platform)
        self.bucket = secure_bucket(self, "Data", config.platform)
        self.table = secure_table(
            self,
            "Items",
            config.platform,
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        )
        self.queue = encrypted_queue(
            self, "Parked", alarm_topic=self.alarm_topic, alarm=QueueAlarm("Probe items are parked.")
        )
        self.echo = PythonTaskFunction(
            self,
            "Echo",
            TaskFunctionProps(
                platform=config.platform,
                package="probe",
                handler="handler.handler",
                service="probe",
                source_root=FIXTURE_LAMBDAS,
            ),
        )
        self.echo.grant_object_access(self.bucket, ["s3:GetObject"])
        call = invoke_lambda(self, "CallEcho", self.echo, result_path="$.echo")
        done = sfn.Succeed(self, "Done")
        self.workflow = ObservableStateMachine(
            self,
            "ProbeWorkflow",
            ObservableStateMachineProps(
                platform=config.platform,
                definition=call.next(done),
                alarm_topic=self.alarm_topic,
                timeout=Duration.minutes(5),
                task_functions=[self.echo],
                expected_errors=["EchoRefused"],
            ),
        )
