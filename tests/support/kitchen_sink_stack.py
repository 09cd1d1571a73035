"""A test workflow using every construct localrun must execute, built from the shared constructs.

Validate (Lambda, Catch InvalidInput -> RecordRejection [dynamodb:putItem] -> Rejected)
  -> Route (Choice: express?) -> [CoolOff (Wait 1 h)] -> Prepare (Parallel:
       PriceLines (inline Map -> Price Lambda, Retry) | CountDocuments (Distributed Map over an S3
       prefix -> CountWords Lambda))
  -> Summarize (Lambda) -> AwaitApproval (sqs:sendMessage.waitForTaskToken, Catch -> Declined)
  -> RecordOrder (aws-sdk:dynamodb:putItem) -> Done
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.common import (
    LAMBDA_RETRY,
    ObservableStateMachine,
    ObservableStateMachineProps,
    PythonTaskFunction,
    QueueAlarm,
    TaskFunctionProps,
    WorkflowStack,
    encrypted_queue,
    invoke_lambda,
    sdk_throttling_retry,
    secure_bucket,
    secure_table,
)
from stacks.config import EnvironmentConfig

FIXTURE_LAMBDAS = Path(__file__).resolve().parents[1] / "fixtures" / "lambdas"
DOCUMENTS_PREFIX = "incoming/"
COOL_OFF = Duration.hours(1)


class KitchenSinkStack(WorkflowStack):
    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, "KitchenSink", config.platform)
        self.documents = secure_bucket(self, "Documents", config.platform)
        self.ledger = secure_table(
            self,
            "Ledger",
            config.platform,
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        )
        self.approvals = encrypted_queue(
            self,
            "Approvals",
            alarm_topic=self.alarm_topic,
            alarm=QueueAlarm("Approval requests wait too long.", max_age=Duration.hours(1)),
        )

        validate = self._function(config, "Validator", "validate.handler", {"MAX_ITEMS": "5"})
        price = self._function(config, "Pricer", "price.handler")
        count_words = self._function(
            config, "WordCounter", "count_words.handler", {"BUCKET_NAME": self.documents.bucket_name}
        )
        self.documents.grant_read(count_words.function)
        summarize = self._function(config, "Summarizer", "summarize.handler", {"CURRENCY": "EUR"})
        self.functions = [validate, price, count_words, summarize]

        rejected = sfn.Fail(self, "Rejected", error="OrderRejected", cause="validation failed")
        record_rejection = tasks.DynamoPutItem(
            self,
            "RecordRejection",
            table=self.ledger,
            item={
                "pk": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$$.Execution.Name")),
                "status": tasks.DynamoAttributeValue.from_string("REJECTED"),
                "reason": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.rejection.Cause")),
            },
            result_path=sfn.JsonPath.DISCARD,
        ).next(rejected)

        validate_step = invoke_lambda(self, "Validate", validate, result_path="$.order")
        validate_step.add_catch(record_rejection, errors=["InvalidInput"], result_path="$.rejection")

        price_line = invoke_lambda(self, "PriceLine", price, retry=LAMBDA_RETRY.with_errors("TransientError"))
        price_lines = sfn.Map(
            self,
            "PriceLines",
            items_path="$.order.items",
            max_concurrency=2,
        ).item_processor(price_line)
        count_documents = sfn.DistributedMap(
            self,
            "CountDocuments",
            item_reader=sfn.S3ObjectsItemReader(bucket=self.documents, prefix=DOCUMENTS_PREFIX),
            max_concurrency=4,
            item_selector={"Key.$": "$$.Map.Item.Value.Key"},
        ).item_processor(
            tasks.LambdaInvoke(
                self, "CountWords", lambda_function=count_words.function, payload_response_only=True
            )
        )
        prepare = (
            sfn.Parallel(
                self,
                "Prepare",
                result_path="$.prepared",
                result_selector={"prices.$": "$[0]", "documents.$": "$[1]"},
            )
            .branch(price_lines)
            .branch(count_documents)
        )

        summarize_step = invoke_lambda(self, "Summarize", summarize, result_path="$.summary")

        declined = sfn.Fail(self, "Declined", error="OrderDeclined", cause="approver declined")
        await_approval = tasks.SqsSendMessage(
            self,
            "AwaitApproval",
            queue=self.approvals,
            integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
            message_body=sfn.TaskInput.from_object(
                {
                    "token": sfn.JsonPath.task_token,
                    "orderId": sfn.JsonPath.string_at("$.order.orderId"),
                    "total": sfn.JsonPath.number_at("$.summary.total"),
                }
            ),
            result_path="$.approval",
            task_timeout=sfn.Timeout.duration(Duration.days(1)),
        )
        await_approval.add_catch(declined, errors=["ApprovalDeclined"], result_path="$.declined")

        record_order = tasks.CallAwsService(
            self,
            "RecordOrder",
            service="dynamodb",
            action="putItem",
            iam_resources=[self.ledger.table_arn],
            parameters={
                "TableName": self.ledger.table_name,
                "Item": {
                    "pk": {"S.$": "$.order.orderId"},
                    "status": {"S": "APPROVED"},
                    "total": {"N.$": "States.Format('{}', $.summary.total)"},
                    "approver": {"S.$": "$.approval.approver"},
                },
            },
            result_path=sfn.JsonPath.DISCARD,
        )
        sdk_throttling_retry("DynamoDb").applied_to(record_order)

        cool_off = sfn.Wait(self, "CoolOff", time=sfn.WaitTime.duration(COOL_OFF))
        route = (
            sfn.Choice(self, "Route")
            .when(sfn.Condition.boolean_equals("$.order.express", True), prepare)
            .otherwise(cool_off.next(prepare))
        )
        prepare.next(summarize_step).next(await_approval).next(record_order).next(sfn.Succeed(self, "Done"))
        self.workflow = ObservableStateMachine(
            self,
            "Workflow",
            ObservableStateMachineProps(
                platform=config.platform,
                definition=validate_step.next(route),
                alarm_topic=self.alarm_topic,
                timeout=Duration.hours(2),
                task_functions=self.functions,
            ),
        )

    def _function(
        self,
        config: EnvironmentConfig,
        construct_id: str,
        handler: str,
        environment: dict[str, str] | None = None,
    ) -> PythonTaskFunction:
        return PythonTaskFunction(
            self,
            construct_id,
            TaskFunctionProps(
                platform=config.platform,
                package="kitchen",
                handler=handler,
                service="kitchen",
                source_root=FIXTURE_LAMBDAS,
                environment=environment or {},
            ),
        )
