"""Errors Retry and Catch do not handle, as "Error handling in Step Functions workflows" documents:
`States.Runtime` "isn't retriable, and will always cause the execution to fail"; `States.ALL`
"cannot catch the States.DataLimitExceeded terminal error or Runtime error types"."""

from __future__ import annotations

from typing import Any

import pytest
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName

from localrun import LocalRunner
from localrun.engine.terminal_errors import matches
from tests.localrun.asl_stacks import asl_template

RETRY_ALL = [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3}]


def catch(*errors: str) -> list[dict[str, Any]]:
    return [{"ErrorEquals": list(errors), "Next": "Caught"}]


def with_caught(start: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": "Start", "States": {"Start": start, "Caught": {"Type": "Pass", "End": True}}}


def unresolvable_task(**fields: Any) -> dict[str, Any]:
    """A Task whose Parameters select `$.missing` (a definite path): States.Runtime on AWS."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:s3:listBuckets",
        "Parameters": {"value.$": "$.missing"},
        "End": True,
        **fields,
    }


def run(name: str, definition: dict[str, Any], resources: dict[str, Any] | None = None) -> Any:
    with LocalRunner(asl_template(name, definition, resources)) as runner:
        return runner.run({})


@pytest.mark.parametrize("errors", [("States.ALL",), ("States.Runtime",)])
def test_a_parameters_path_that_resolves_to_nothing_fails_the_execution(errors: tuple[str, ...]) -> None:
    result = run("RuntimeUncaught", with_caught(unresolvable_task(Retry=RETRY_ALL, Catch=catch(*errors))))

    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert "'$.missing'" in (result.cause or "")
    assert "Caught" not in result.states
    assert result.retries == 0


def test_runtime_error_in_a_parallel_branch_fails_the_execution() -> None:
    branch = {
        "StartAt": "Select",
        "States": {"Select": {"Type": "Pass", "Parameters": {"v.$": "$.missing"}, "End": True}},
    }
    parallel = {
        "Type": "Parallel",
        "Branches": [branch],
        "Retry": RETRY_ALL,
        "Catch": catch("States.ALL"),
        "End": True,
    }

    result = run("RuntimeInBranch", with_caught(parallel))

    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert "Caught" not in result.states
    cause = result.cause or ""
    assert cause.startswith("An error occurred while executing the state 'Select'")
    assert cause.count("An error occurred while executing the state") == 1


def test_runtime_error_in_an_inline_map_iteration_fails_the_execution() -> None:
    iterator = {
        "StartAt": "Select",
        "States": {"Select": {"Type": "Pass", "Parameters": {"v.$": "$.missing"}, "End": True}},
    }
    inline_map = {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemProcessor": iterator,
        "Catch": catch("States.ALL"),
        "End": True,
    }
    definition = {
        "StartAt": "Seed",
        "States": {"Seed": {"Type": "Pass", "Result": {"items": [1]}, "Next": "Start"}},
    }
    definition["States"].update(with_caught(inline_map)["States"])

    result = run("RuntimeInMap", definition)

    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert "Caught" not in result.states


def test_states_all_still_catches_other_errors() -> None:
    branch = {"StartAt": "Fail", "States": {"Fail": {"Type": "Fail", "Error": "Declined", "Cause": "no"}}}
    parallel = {"Type": "Parallel", "Branches": [branch], "Catch": catch("States.ALL"), "End": True}

    result = run("OtherErrorsCaught", with_caught(parallel))

    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"Error": "Declined", "Cause": "no"}


def big_object_task(*errors: str) -> dict[str, Any]:
    """A Task whose result (a 300 KB object's body) is over the 256 KiB payload quota."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
        "Parameters": {"Bucket.$": "$.bucket", "Key": "big.txt"},
        "Catch": catch(*errors),
        "End": True,
    }


@pytest.mark.parametrize(
    ("errors", "status"), [(("States.ALL",), "FAILED"), (("States.DataLimitExceeded",), "SUCCEEDED")]
)
def test_data_limit_exceeded_is_caught_only_by_its_own_name(errors: tuple[str, ...], status: str) -> None:
    template = asl_template(
        "DataLimit", with_caught(big_object_task(*errors)), {"Bucket": {"Type": "AWS::S3::Bucket"}}
    )
    with LocalRunner(template) as runner:
        bucket = runner.resource("Bucket").name
        runner.client("s3").put_object(Bucket=bucket, Key="big.txt", Body=b"x" * 300_000)
        result = runner.run({"bucket": bucket})

    assert result.status == status
    if status == "FAILED":
        assert result.error == "States.DataLimitExceeded"
    else:
        assert result.output["Error"] == "States.DataLimitExceeded"


def test_matching_rules() -> None:
    runtime = StatesErrorName.from_name("States.Runtime")
    data_limit = StatesErrorName.from_name("States.DataLimitExceeded")
    every = [StatesErrorName.from_name("States.ALL")]

    assert matches(every, runtime) is False
    assert matches([runtime], runtime) is False
    assert matches(every, data_limit) is False
    assert matches([data_limit], data_limit) is True
    assert matches(every, CustomErrorName("Declined")) is None
