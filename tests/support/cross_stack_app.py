"""Two stacks composed through a prop, as the agent stack composes rag and orders. CDK turns the
producer's table into Outputs the consumer reads: `Fn::GetStackOutput` with weak references (the
project's default, cdk.json `@aws-cdk/core:defaultCrossStackReferences`), exports and
`Fn::ImportValue` with strong ones."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import App, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.common import PythonTaskFunction, TaskFunctionProps
from stacks.config import EnvironmentConfig

FIXTURE_LAMBDAS = Path(__file__).resolve().parents[1] / "fixtures" / "lambdas"


class ProducerStack(Stack):
    """Owns the status table."""

    def __init__(self, scope: Construct) -> None:
        super().__init__(scope, "CrossStackProducer")
        self.table = dynamodb.Table(
            self, "Status", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
        )


class ConsumerStack(Stack):
    """Reads the producer's table from its state machine (native GetItem) and from a Lambda function."""

    def __init__(self, scope: Construct, config: EnvironmentConfig, table: dynamodb.ITable) -> None:
        super().__init__(scope, "CrossStackConsumer")
        reader = PythonTaskFunction(
            self,
            "Reader",
            TaskFunctionProps(
                platform=config.platform,
                package="imports",
                handler="handler.handler",
                service="localrun-tests",
                source_root=FIXTURE_LAMBDAS,
                environment={"STATUS_TABLE": table.table_name},
            ),
        )
        table.grant_read_data(reader.function)
        get_item = tasks.DynamoGetItem(
            self,
            "GetItem",
            table=table,
            key={"pk": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.pk"))},
            result_path="$.native",
        )
        read = tasks.LambdaInvoke(self, "Read", lambda_function=reader.function, result_path="$.lambda")
        self.workflow = sfn.StateMachine(
            self, "Workflow", definition_body=sfn.DefinitionBody.from_chainable(get_item.next(read))
        )


CROSS_STACK_REFERENCES = "@aws-cdk/core:defaultCrossStackReferences"


def cross_stack_app(app: App, config: EnvironmentConfig, references: str = "weak") -> ConsumerStack:
    """The consumer stack of an app where it reads the producer's table (`references`: weak or strong)."""
    app.node.set_context(CROSS_STACK_REFERENCES, references)
    return ConsumerStack(app, config, ProducerStack(app).table)
