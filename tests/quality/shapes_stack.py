"""A fixture stack with every state shape the quality rules must see through, built with the shared
constructs: Lambda, DynamoDB, SNS, aws-sdk and callback tasks, a Parallel, an inline Map and a
Distributed Map (S3 item reader, result writer). It follows every rule, so checkers must accept it,
and it proves they reach tasks nested in branches and item processors of real CDK output.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from aws_cdk.assertions import Template
from constructs import Construct

from stacks.application import project_context
from stacks.common import (
    ObservableStateMachine,
    ObservableStateMachineProps,
    PythonTaskFunction,
    QueueAlarm,
    TaskFunctionProps,
    WorkflowStack,
    encrypted_queue,
    encrypted_topic,
    invoke_lambda,
    sdk_throttling_retry,
    secure_bucket,
    secure_table,
)
from stacks.config import EnvironmentConfig, load_environment
from tests.support.probe_stack import FIXTURE_LAMBDAS
from tests.support.synth import fresh_app

# Every Task state of the fixture, by location: what the walker must find.
TASK_LOCATIONS = (
    "Validate",
    "Record",
    "FanOut/Branch",
    "FanOut/Notify",
    "EachItem/PerItem",
    "EachObject/PerObject",
    "EachObject/ReadObject",
    "AwaitApproval",
)


class ShapesStack(WorkflowStack):
    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, "QualityShapes", config.platform)
        bucket = secure_bucket(self, "Objects", config.platform)
        table = secure_table(
            self,
            "Records",
            config.platform,
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        )
        topic = encrypted_topic(self, "Notices", self.alarm_key, "notices")
        queue = encrypted_queue(
            self,
            "Approvals",
            alarm_topic=self.alarm_topic,
            alarm=QueueAlarm("Approval requests wait too long.", max_age=Duration.hours(1)),
        )
        work = PythonTaskFunction(
            self,
            "Work",
            TaskFunctionProps(
                platform=config.platform,
                package="probe",
                handler="handler.handler",
                service="shapes",
                source_root=FIXTURE_LAMBDAS,
            ),
        )
        failed = sfn.Fail(self, "Failed", error="ShapesFailed")
        skip = sfn.Pass(self, "Skip")

        validate = invoke_lambda(self, "Validate", work, result_path="$.validated")
        validate.add_catch(failed, result_path="$.error")

        record = tasks.DynamoPutItem(
            self,
            "Record",
            table=table,  # type: ignore[arg-type]
            item={"pk": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.execution_id)},
            result_path=sfn.JsonPath.DISCARD,
            task_timeout=sfn.Timeout.duration(Duration.seconds(10)),
        )
        sdk_throttling_retry("DynamoDB").applied_to(record)
        record.add_catch(failed, result_path="$.error")

        branch = invoke_lambda(self, "Branch", work, result_path="$.branch")
        notify = tasks.SnsPublish(
            self,
            "Notify",
            topic=topic,
            message=sfn.TaskInput.from_json_path_at("$.validated"),
            result_path=sfn.JsonPath.DISCARD,
            task_timeout=sfn.Timeout.duration(Duration.seconds(10)),
        )
        fan_out = sfn.Parallel(self, "FanOut", result_path=sfn.JsonPath.DISCARD)
        fan_out.branch(branch).branch(notify)
        fan_out.add_catch(failed, result_path="$.error")

        per_item = invoke_lambda(self, "PerItem", work, result_path="$.item")
        per_item.add_catch(skip, result_path="$.error")
        each_item = sfn.Map(self, "EachItem", items_path="$.items", result_path=sfn.JsonPath.DISCARD)
        each_item.item_processor(per_item)

        per_object = invoke_lambda(self, "PerObject", work, result_path="$.object")
        read_object = tasks.CallAwsService(
            self,
            "ReadObject",
            service="s3",
            action="headObject",
            iam_action="s3:GetObject",
            parameters={"Bucket": bucket.bucket_name, "Key.$": "$.Key"},
            iam_resources=[bucket.arn_for_objects("*")],
            result_selector={"size.$": "$.ContentLength"},
            task_timeout=sfn.Timeout.duration(Duration.seconds(10)),
        )
        sdk_throttling_retry("S3").applied_to(read_object)
        each_object = sfn.DistributedMap(
            self,
            "EachObject",
            item_reader=sfn.S3ObjectsItemReader(bucket=bucket, prefix="in/"),
            result_writer_v2=sfn.ResultWriterV2(bucket=bucket, prefix="out/"),
            max_concurrency=5,
            result_path=sfn.JsonPath.DISCARD,
        )
        each_object.item_processor(per_object.next(read_object))
        each_object.add_catch(failed, result_path="$.error")

        await_approval = tasks.SqsSendMessage(
            self,
            "AwaitApproval",
            queue=queue,
            message_body=sfn.TaskInput.from_object({"token": sfn.JsonPath.task_token}),
            integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
            heartbeat_timeout=sfn.Timeout.duration(Duration.minutes(5)),
            task_timeout=sfn.Timeout.duration(Duration.hours(1)),
            result_path="$.approval",
        )
        await_approval.add_catch(failed, result_path="$.error")

        definition = (
            validate.next(record)
            .next(fan_out)
            .next(each_item)
            .next(each_object)
            .next(await_approval)
            .next(sfn.Succeed(self, "Done"))
        )
        self.workflow = ObservableStateMachine(
            self,
            "Workflow",
            ObservableStateMachineProps(
                platform=config.platform,
                definition=definition,
                alarm_topic=self.alarm_topic,
                timeout=Duration.hours(2),
                task_functions=[work],
            ),
        )


@functools.cache
def shapes_template() -> dict[str, Any]:
    app = fresh_app()
    stack = ShapesStack(app, load_environment(project_context()["environments"], "dev"))
    return Template.from_stack(stack).to_json()
