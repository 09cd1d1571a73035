"""State machine service integrations run under the state machine's role: a refused call fails the
task with the error Step Functions reports, which the state's Retry/Catch then see."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from localrun import LocalRunner, RunResult
from localrun.samples import Sample
from localrun.template import StackTemplate
from tests.localrun.iam.test_q5_mutation import HAPPY_PATH, orders_template


def without_state_machine_statement(stack: StackTemplate, action: str) -> StackTemplate:
    """The orders template with the state machine role's statement granting `action` removed."""
    template = copy.deepcopy(dict(stack.template))
    machine = next(
        r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"
    )
    role = machine["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role} in resource["Properties"]["Roles"]:
            document = resource["Properties"]["PolicyDocument"]
            document["Statement"] = [s for s in document["Statement"] if s["Action"] != action]
    return StackTemplate(stack.stack_name, template, stack.region, stack.account, stack.construct_paths)


def run(stack: StackTemplate, path: Path = HAPPY_PATH) -> tuple[RunResult, list[Any]]:
    with LocalRunner(stack) as runner:
        result = Sample.load(path, "orders").run(runner)
        return result, list(runner.policies.denials)


def task_failure(result: RunResult) -> dict[str, Any]:
    event = result.events("TaskFailed", "LambdaFunctionFailed")[0]
    return dict(event.get("taskFailedEventDetails") or event["lambdaFunctionFailedEventDetails"])


def test_a_refused_dynamodb_integration_fails_the_task_with_the_sdk_base_exception() -> None:
    result, denials = run(without_state_machine_statement(orders_template(), "dynamodb:UpdateItem"))

    failure = task_failure(result)
    assert failure["error"] == "DynamoDB.AmazonDynamoDBException"
    assert (
        "is not authorized to perform: dynamodb:UpdateItem on resource: arn:aws:dynamodb:" in failure["cause"]
    )
    assert "Error Code: AccessDeniedException" in failure["cause"]
    assert ":assumed-role/" in denials[0].message and "StateMachineRole" in denials[0].principal
    assert "ChargePayment" not in result.states


def test_a_refused_lambda_invoke_fails_the_task_with_lambdas_base_exception() -> None:
    result, denials = run(without_state_machine_statement(orders_template(), "lambda:InvokeFunction"))

    failure = task_failure(result)
    assert failure["error"] == "Lambda.AWSLambdaException"
    assert (
        "is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:" in failure["cause"]
    )
    assert result.states[0] == "Validate"
    assert result.invocations == ()  # the handler never ran
    assert {denial.action for denial in denials} == {"lambda:InvokeFunction"}


def test_calls_made_outside_handlers_and_executions_are_not_checked() -> None:
    with LocalRunner(orders_template()) as runner:
        table = runner.resource("Workflow/PaymentLedger").name
        runner.client("dynamodb").put_item(TableName=table, Item={"pk": {"S": "x"}, "sk": {"S": "y"}})
        assert runner.policies.denials == []
