"""History details as AWS records them: one ExecutionFailed for a failure that ends the execution, no
TaskFailed for a task that was never scheduled, one EvaluationFailed per failure, every event linked
to an earlier one, and AWS's wording for Map items that are not an array."""

from __future__ import annotations

from typing import Any

import pytest

from localrun import LocalRunner
from localrun.result import RunResult
from tests.localrun.asl_stacks import asl_template

PASS_ITEMS = {"StartAt": "Each", "States": {"Each": {"Type": "Pass", "End": True}}}
SEND = "arn:aws:states:::sqs:sendMessage"


def run(name: str, definition: dict[str, Any], input_value: Any) -> RunResult:
    with LocalRunner(asl_template(name, definition)) as runner:
        return runner.run(input_value)


def types(result: RunResult) -> list[str]:
    return [event["type"] for event in result.history]


def assert_linked(result: RunResult) -> None:
    """Every event names an earlier event (0 for the first ones) as its previous event."""
    for event in result.history:
        assert "previousEventId" in event, event
        assert 0 <= event["previousEventId"] < event["id"], event


def test_an_unresolvable_timeout_seconds_path_fails_the_execution_once() -> None:
    definition = {
        "StartAt": "Send",
        "States": {
            "Send": {
                "Type": "Task",
                "Resource": SEND,
                "TimeoutSecondsPath": "$.timeout",
                "Parameters": {"QueueUrl": "unused", "MessageBody": "m"},
                "End": True,
            }
        },
    }

    result = run("TimeoutPath", definition, {})

    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert types(result) == ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"]
    assert result.cause.startswith(
        "An error occurred while executing the state 'Send' (entered at the event id #2)."
    )
    assert_linked(result)


def test_a_parameters_path_that_selects_nothing_records_no_task_failed() -> None:
    definition = {
        "StartAt": "Send",
        "States": {
            "Send": {
                "Type": "Task",
                "Resource": SEND,
                "Parameters": {"QueueUrl.$": "$.queue", "MessageBody": "m"},
                "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Succeed"},
        },
    }

    result = run("ParametersPath", definition, {})

    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert types(result) == ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"]
    assert result.cause == (
        "An error occurred while executing the state 'Send' (entered at the event id #2). "
        "The JSONPath '$.queue' specified for the field 'QueueUrl.$' could not be found in the input '{}'"
    )
    assert result.retries == 0


def test_a_parameters_path_in_a_parallel_branch_records_no_task_failed() -> None:
    branch = {
        "StartAt": "Send",
        "States": {
            "Send": {
                "Type": "Task",
                "Resource": SEND,
                "Parameters": {"QueueUrl.$": "$.queue", "MessageBody": "m"},
                "End": True,
            }
        },
    }
    definition = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [branch],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Succeed"},
        },
    }

    result = run("BranchParametersPath", definition, {})

    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert "TaskFailed" not in types(result)
    assert types(result)[-3:] == ["TaskStateEntered", "ParallelStateFailed", "ExecutionFailed"]
    assert_linked(result)


def test_a_result_selector_path_that_selects_nothing_names_the_entered_event() -> None:
    definition = {
        "StartAt": "Pass",
        "States": {
            "Pass": {"Type": "Pass", "Next": "Send"},
            "Send": {
                "Type": "Task",
                "Resource": SEND,
                "Parameters": {"QueueUrl.$": "$.queue", "MessageBody": "m"},
                "ResultSelector": {"id.$": "$.Absent"},
                "End": True,
            },
        },
    }
    resources = {"Queue": {"Type": "AWS::SQS::Queue"}}
    with LocalRunner(asl_template("ResultSelectorPath", definition, resources)) as runner:
        result = runner.run({"queue": runner.resource("Queue").ref})

    assert result.error == "States.Runtime"
    assert types(result)[-2:] == ["TaskSucceeded", "ExecutionFailed"]
    entered = result.events("TaskStateEntered")[0]["id"]
    assert result.cause.startswith(
        f"An error occurred while executing the state 'Send' (entered at the event id #{entered})."
    )


def test_a_jsonata_task_argument_that_fails_records_one_evaluation_failed() -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Send",
        "States": {
            "Send": {
                "Type": "Task",
                "Resource": SEND,
                "Arguments": {"QueueUrl": "{% $states.input.queue() %}", "MessageBody": "m"},
                "End": True,
            }
        },
    }

    result = run("JsonataArguments", definition, {"queue": "q"})

    assert result.error == "States.QueryEvaluationError"
    assert types(result) == ["ExecutionStarted", "TaskStateEntered", "EvaluationFailed", "ExecutionFailed"]
    failed = result.events("EvaluationFailed")[0]
    assert failed["previousEventId"] == 2
    assert failed["evaluationFailedEventDetails"]["location"] == "QueueUrl"
    assert_linked(result)


@pytest.mark.parametrize(
    ("items_path", "input_value"),
    [(None, 1), ("$.items", {"items": 1}), ("$.items", {"items": {"a": [1, 2]}})],
)
def test_map_items_that_are_not_an_array(items_path: str | None, input_value: Any) -> None:
    state: dict[str, Any] = {"Type": "Map", "ItemProcessor": PASS_ITEMS, "End": True}
    if items_path:
        state["ItemsPath"] = items_path
    definition = {"StartAt": "Map", "States": {"Map": state}}

    result = run("MapNotArray", definition, input_value)

    items = input_value if items_path is None else input_value["items"]
    rendered = "1" if items == 1 else '{"a": [1, 2]}'
    assert result.status == "FAILED"
    assert result.cause.endswith(f"Map state input must be an array but was: {rendered}")
    assert types(result) == [
        "ExecutionStarted",
        "MapStateEntered",
        "EvaluationFailed",
        "MapStateFailed",
        "ExecutionFailed",
    ]
    assert result.events("EvaluationFailed")[0]["previousEventId"] == 2
    assert_linked(result)


def test_map_state_exited_is_linked() -> None:
    definition = {
        "StartAt": "Map",
        "States": {"Map": {"Type": "Map", "ItemProcessor": PASS_ITEMS, "End": True}},
    }

    result = run("MapLinks", definition, [1, 2])

    assert result.status == "SUCCEEDED"
    exited = result.events("MapStateExited")[0]
    iteration_ids = [event["id"] for event in result.events("MapIterationSucceeded")]
    assert exited["previousEventId"] in [*iteration_ids, result.events("MapStateSucceeded")[0]["id"]]
    assert_linked(result)
