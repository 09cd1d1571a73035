"""RedriveExecution as documented: restart at the unsuccessful state, same input and definition,
RedriveCount in the context and in DescribeExecution, and who may not be redriven."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localrun import Fault, LocalRunner
from localrun.clock import calendar
from tests.localrun.asl_stacks import asl_template

DAY = 24 * 3600

TABLE = {
    "Type": "AWS::DynamoDB::Table",
    "Properties": {
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    },
}


def count(state: str, then: str | None) -> dict[str, Any]:
    """A Task adding 1 to the `Effects` item named after the state: its side effect."""
    task: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:updateItem",
        "Parameters": {
            "TableName": {"Ref": "Effects"},
            "Key": {"pk": {"S": state}},
            "UpdateExpression": "ADD done :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        },
        "ResultPath": None,
    }
    return {**task, "Next": then} if then else {**task, "End": True}


MACHINE = {
    "StartAt": "Reserve",
    "States": {
        "Reserve": count("Reserve", "Tag"),
        "Tag": {"Type": "Pass", "Result": "tagged", "ResultPath": "$.tag", "Next": "Charge"},
        "Charge": count("Charge", "Report"),
        "Report": {
            "Type": "Pass",
            "Parameters": {
                "redrives.$": "$$.Execution.RedriveCount",
                "order.$": "$.order",
                "tag.$": "$.tag",
            },
            "End": True,
        },
    },
}


@pytest.fixture(scope="module")
def runner() -> Iterator[LocalRunner]:
    with LocalRunner(asl_template("Redrive", MACHINE, {"Effects": TABLE})) as local:
        yield local


@pytest.fixture(autouse=True)
def today() -> Iterator[None]:
    """Each test starts today (the runner is shared; `pass_time` moves the process's calendar)."""
    yield
    calendar.reset()


def effects(runner: LocalRunner) -> dict[str, int]:
    items = runner.client("dynamodb").scan(TableName=runner.resource("Effects").name)["Items"]
    return {item["pk"]["S"]: int(item["done"]["N"]) for item in items}


def clear(runner: LocalRunner) -> None:
    dynamodb = runner.client("dynamodb")
    for item in dynamodb.scan(TableName=runner.resource("Effects").name)["Items"]:
        dynamodb.delete_item(TableName=runner.resource("Effects").name, Key={"pk": item["pk"]})


def failed_run(runner: LocalRunner, name: str) -> str:
    clear(runner)
    result = runner.run({"order": "o-1"}, name=name, faults=[Fault(state="Charge", error="Boom", times=1)])
    assert result.status == "FAILED" and result.error == "Boom"
    return result.execution_arn


def not_redrivable(runner: LocalRunner, arn: str) -> str:
    with pytest.raises(ClientError) as raised:
        runner.client("stepfunctions").redrive_execution(executionArn=arn)
    assert raised.value.response["Error"]["Code"] == "ExecutionNotRedrivable"
    return str(raised.value.response["Error"]["Message"])


def test_redrive_resumes_at_the_failed_state_with_one_set_of_effects(runner: LocalRunner) -> None:
    arn = failed_run(runner, "fault-gone")
    assert effects(runner) == {"Reserve": 1}

    result = runner.redrive(arn)

    assert result.status == "SUCCEEDED", result.cause
    assert result.states == ("Charge", "Report")  # Reserve and Tag are not re-entered
    assert result.output == {"redrives": 1, "order": "o-1", "tag": "tagged"}  # Charge's input kept
    assert effects(runner) == {"Reserve": 1, "Charge": 1}
    assert result.history[0]["type"] == "ExecutionRedriven"
    assert result.history[0]["executionRedrivenEventDetails"] == {"redriveCount": 1}
    whole = runner.client("stepfunctions").get_execution_history(executionArn=arn)["events"]
    types = [event["type"] for event in whole]
    assert types.count("ExecutionStarted") == 1 and types.count("ExecutionRedriven") == 1
    assert (
        types.index("ExecutionFailed") < types.index("ExecutionRedriven") < types.index("ExecutionSucceeded")
    )
    assert [event["id"] for event in whole] == list(range(1, len(whole) + 1))


def test_describe_execution_reports_the_redrive(runner: LocalRunner) -> None:
    sfn = runner.client("stepfunctions")
    arn = failed_run(runner, "described")
    before = sfn.describe_execution(executionArn=arn)
    assert (before["redriveCount"], before["redriveStatus"]) == (0, "REDRIVABLE")
    assert "redriveDate" not in before

    runner.redrive(arn)

    after = sfn.describe_execution(executionArn=arn)
    assert after["status"] == "SUCCEEDED" and after["redriveCount"] == 1
    assert after["redriveStatus"] == "NOT_REDRIVABLE"
    assert after["redriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven."
    assert after["redriveDate"] >= before["startDate"]
    assert json.loads(after["input"]) == {"order": "o-1"}


def test_a_redrive_that_fails_again_can_be_redriven_again(runner: LocalRunner) -> None:
    arn = failed_run(runner, "twice")
    again = runner.redrive(arn, faults=[Fault(state="Charge", error="StillBroken", times=1)])
    assert (again.status, again.error) == ("FAILED", "StillBroken")

    final = runner.redrive(arn)

    assert final.status == "SUCCEEDED" and final.output["redrives"] == 2
    assert effects(runner) == {"Reserve": 1, "Charge": 1}


def test_a_succeeded_execution_is_not_redrivable(runner: LocalRunner) -> None:
    clear(runner)
    result = runner.run({"order": "o-2"}, name="succeeded")
    assert result.status == "SUCCEEDED"
    assert not_redrivable(runner, result.execution_arn) == "Execution is SUCCEEDED and cannot be redriven."


def test_the_redrivable_period_is_fourteen_days_after_the_stop(runner: LocalRunner) -> None:
    arn = failed_run(runner, "old")
    runner.pass_time(13 * DAY)
    assert (
        runner.client("stepfunctions").describe_execution(executionArn=arn)["redriveStatus"] == "REDRIVABLE"
    )
    runner.pass_time(1 * DAY + 60)

    assert not_redrivable(runner, arn) == "Execution redrivable period exceeded."


def test_a_client_token_makes_the_redrive_idempotent(runner: LocalRunner) -> None:
    sfn = runner.client("stepfunctions")
    arn = failed_run(runner, "token")
    first = runner.redrive(arn, client_token="fix-1")
    replay = sfn.redrive_execution(executionArn=arn, clientToken="fix-1")

    assert first.status == "SUCCEEDED"
    assert replay["redriveDate"] == sfn.describe_execution(executionArn=arn)["redriveDate"]
    assert sfn.describe_execution(executionArn=arn)["redriveCount"] == 1
    assert effects(runner) == {"Reserve": 1, "Charge": 1}


def test_a_redrive_keeps_the_definition_the_execution_started_with(runner: LocalRunner) -> None:
    sfn = runner.client("stepfunctions")
    arn = failed_run(runner, "old-definition")
    changed = json.loads(json.dumps(MACHINE))
    changed["States"]["Report"] = {"Type": "Fail", "Error": "NewDefinition"}
    machine = runner.state_machine_arn()
    original = sfn.describe_state_machine(stateMachineArn=machine)["definition"]
    table = json.dumps(runner.resource("Effects").name)
    sfn.update_state_machine(
        stateMachineArn=machine, definition=json.dumps(changed).replace(json.dumps({"Ref": "Effects"}), table)
    )
    assert "NewDefinition" in sfn.describe_state_machine(stateMachineArn=machine)["definition"]
    try:
        result = runner.redrive(arn)
    finally:
        sfn.update_state_machine(stateMachineArn=machine, definition=original)

    assert result.status == "SUCCEEDED", result.error


def test_an_unknown_execution_does_not_exist(runner: LocalRunner) -> None:
    arn = runner.state_machine_arn().replace(":stateMachine:", ":execution:") + ":never-started"
    with pytest.raises(ClientError) as raised:
        runner.client("stepfunctions").redrive_execution(executionArn=arn)
    assert raised.value.response["Error"]["Code"] == "ExecutionDoesNotExist"


TIMED = {
    "TimeoutSeconds": 100,
    "StartAt": "First",
    "States": {
        "First": {"Type": "Wait", "Seconds": 60, "Next": "Second"},
        "Second": {"Type": "Wait", "Seconds": 60, "End": True},
    },
}


def test_a_timed_out_execution_resumes_with_its_timeout_reset() -> None:
    with LocalRunner(asl_template("RedriveTimedOut", TIMED)) as runner:
        first = runner.run({}, name="slow")
        result = runner.redrive(first.execution_arn)

    assert first.status == "TIMED_OUT"
    assert result.status == "SUCCEEDED", result.cause
    assert result.states == ("Second",)


def test_an_express_execution_is_not_redrivable() -> None:
    template = asl_template("RedriveExpress", {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail"}}})
    template.template["Resources"]["Machine"]["Properties"]["StateMachineType"] = "EXPRESS"
    with LocalRunner(template) as runner:
        result = runner.run({}, name="express")
        assert result.status == "FAILED"
        assert not_redrivable(runner, result.execution_arn) == "Execution is EXPRESS and cannot be redriven."


PARALLEL = {
    "StartAt": "Both",
    "States": {
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "Reserve", "States": {"Reserve": count("Reserve", None)}},
                {
                    "StartAt": "Prepare",
                    "States": {
                        "Prepare": count("Prepare", "Charge"),
                        "Charge": {**count("Charge", None), "ResultPath": None, "OutputPath": "$.order"},
                    },
                },
            ],
            "Next": "Report",
        },
        "Report": {"Type": "Pass", "Parameters": {"branches.$": "$"}, "End": True},
    },
}


def test_a_parallel_reruns_only_the_failed_branch_from_where_it_stopped() -> None:
    with LocalRunner(asl_template("RedriveParallel", PARALLEL, {"Effects": TABLE})) as runner:
        failed = runner.run(
            {"order": "o-1"}, name="branches", faults=[Fault(state="Charge", error="Boom", times=1)]
        )
        assert failed.status == "FAILED" and effects(runner) == {"Reserve": 1, "Prepare": 1}

        result = runner.redrive(failed.execution_arn)
        done = effects(runner)

    assert result.status == "SUCCEEDED", result.cause
    assert "Reserve" not in result.states and "Prepare" not in result.states
    assert result.entered("Charge") == 1
    assert done == {"Reserve": 1, "Prepare": 1, "Charge": 1}
    assert result.output == {"branches": [{"order": "o-1"}, "o-1"]}


MAP = {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "MaxConcurrency": 1,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Label",
                "States": {
                    "Label": {"Type": "Pass", "Parameters": {"item.$": "$"}, "Next": "Ship"},
                    "Ship": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::dynamodb:updateItem",
                        "Parameters": {
                            "TableName": {"Ref": "Effects"},
                            "Key": {"pk": {"S.$": "$.item"}},
                            "UpdateExpression": "ADD done :one",
                            "ConditionExpression": "attribute_not_exists(blocked)",
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        },
                        "ResultPath": None,
                        "End": True,
                    },
                },
            },
            "End": True,
        }
    },
}


def test_an_inline_map_reruns_only_the_failed_and_unfinished_iterations() -> None:
    with LocalRunner(asl_template("RedriveMap", MAP, {"Effects": TABLE})) as runner:
        dynamodb, table = runner.client("dynamodb"), runner.resource("Effects").name
        dynamodb.put_item(TableName=table, Item={"pk": {"S": "b"}, "blocked": {"BOOL": True}})
        failed = runner.run({"items": ["a", "b", "c"]}, name="items")
        assert failed.status == "FAILED" and failed.error == "DynamoDB.ConditionalCheckFailedException"
        assert failed.entered("Ship") == 2  # a shipped, b blocked, c never started

        dynamodb.update_item(TableName=table, Key={"pk": {"S": "b"}}, UpdateExpression="REMOVE blocked")
        result = runner.redrive(failed.execution_arn)
        done = effects(runner)

    assert result.status == "SUCCEEDED", result.cause
    assert done == {"a": 1, "b": 1, "c": 1}  # a was not shipped again
    assert result.entered("Ship") == 2 and result.entered("Label") == 1  # b resumed at Ship; c ran whole
    assert result.output == [{"item": "a"}, {"item": "b"}, {"item": "c"}]


WAITING = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": {"Ref": "Questions"}, "MessageBody": {"token.$": "$$.Task.Token"}},
            "End": True,
        }
    },
}


def test_a_running_execution_is_not_redrivable() -> None:
    with LocalRunner(
        asl_template("RedriveRunning", WAITING, {"Questions": {"Type": "AWS::SQS::Queue"}})
    ) as runner:
        execution = runner.start_execution({}, name="waiting")
        token = execution.wait_for_task_token("Ask")
        reason = not_redrivable(runner, execution.execution_arn)
        runner.send_task_success(token, {"answer": 42})
        result = execution.wait()

    assert reason == "Execution is RUNNING and cannot be redriven."
    assert result.status == "SUCCEEDED"
