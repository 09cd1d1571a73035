"""moto bugs localrun fixes: States.* errors out of Map/Parallel, empty S3 ItemReader listings,
SendTaskFailure's cause, injected faults on DynamoDB tasks."""

from __future__ import annotations

from localrun import Fault, LocalRunner, TaskFailure
from localrun.engine.moto_fixes import error_name
from tests.localrun.asl_stacks import asl_template
from tests.localrun.conftest import kitchen_sink_template


def test_states_errors_map_to_states_error_names() -> None:
    assert type(error_name("States.Timeout")).__name__ == "StatesErrorName"
    assert type(error_name("OrderRejected")).__name__ == "CustomErrorName"


def test_states_error_inside_a_map_iteration_propagates(kitchen: LocalRunner) -> None:
    fault = Fault(state="PriceLine", error="States.TaskFailed", times=None)

    result = kitchen.run({"orderId": "o-9", "items": [{"sku": "plum"}], "express": True}, faults=[fault])

    assert (result.status, result.error) == ("FAILED", "States.TaskFailed")


def test_distributed_map_over_an_empty_prefix_yields_no_items() -> None:
    with LocalRunner(kitchen_sink_template()) as empty:
        result = empty.run(
            {"orderId": "o-0", "items": [{"sku": "plum"}], "express": True},
            on_task_token=lambda token: {"approver": "ann"},
        )

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["prepared"]["documents"] == []


def test_distributed_map_item_failure_exceeds_the_default_tolerance(kitchen: LocalRunner) -> None:
    fault = Fault(function="WordCounter", error="Boom", times=1)

    result = kitchen.run({"orderId": "o-8", "items": [{"sku": "plum"}], "express": True}, faults=[fault])

    assert (result.status, result.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    assert "1 of 3 items failed" in (result.cause or "")
    assert result.events("MapRunFailed")


TOKEN_MACHINE = {
    "StartAt": "AwaitDecision",
    "States": {
        "AwaitDecision": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": {"Ref": "Decisions"}, "MessageBody": {"token.$": "$$.Task.Token"}},
            "TimeoutSeconds": 300,
            "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.failure", "Next": "Refused"}],
            "End": True,
        },
        "Refused": {"Type": "Succeed"},
    },
}


def test_send_task_failure_passes_error_and_cause_to_the_catch() -> None:
    template = asl_template("TokenFailure", TOKEN_MACHINE, {"Decisions": {"Type": "AWS::SQS::Queue"}})
    with LocalRunner(template) as runner:
        result = runner.run(
            {"orderId": "o-1"}, on_task_token=lambda token: TaskFailure("Rejected", "reviewer said no")
        )

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["failure"] == {"Error": "Rejected", "Cause": "reviewer said no"}
    failed = result.events("TaskFailed")[0]["taskFailedEventDetails"]
    assert (failed["error"], failed["cause"]) == ("Rejected", "reviewer said no")


def test_send_task_failure_without_a_cause_still_fails_the_task() -> None:
    template = asl_template("TokenFailureBare", TOKEN_MACHINE, {"Decisions": {"Type": "AWS::SQS::Queue"}})
    with LocalRunner(template) as runner:
        execution = runner.start_execution({})
        token = execution.wait_for_task_token("AwaitDecision")
        runner.client("stepfunctions").send_task_failure(taskToken=token, error="Rejected")
        result = execution.wait()

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["failure"]["Error"] == "Rejected"


def test_a_fault_on_a_dynamodb_task_keeps_its_name_for_retry() -> None:
    table = {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    }
    throttled = "DynamoDB.ProvisionedThroughputExceededException"
    definition = {
        "StartAt": "Put",
        "States": {
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {"TableName": {"Ref": "Items"}, "Item": {"pk": {"S": "a"}}},
                "Retry": [{"ErrorEquals": [throttled], "IntervalSeconds": 1, "MaxAttempts": 2}],
                "End": True,
            }
        },
    }
    with LocalRunner(asl_template("DynamoFault", definition, {"Items": table})) as runner:
        retried = runner.run({}, faults=[Fault(state="Put", error=throttled, times=2)])
        exhausted = runner.run({}, faults=[Fault(state="Put", error=throttled, times=None)])

    assert (retried.status, retried.retries) == ("SUCCEEDED", 2)
    assert (exhausted.status, exhausted.error) == ("FAILED", throttled)
