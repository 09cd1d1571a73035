"""DescribeExecution answers with the redrive and data-details fields of the Step Functions API Reference."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from localrun import LocalRunner
from tests.localrun.asl_stacks import asl_template

MACHINE = {
    "TimeoutSeconds": 30,
    "StartAt": "Route",
    "States": {
        "Route": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.outcome", "StringEquals": "fail", "Next": "Fail"},
                {"Variable": "$.outcome", "StringEquals": "wait", "Next": "Wait"},
            ],
            "Default": "Done",
        },
        "Wait": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
        "Fail": {"Type": "Fail", "Error": "Declined", "Cause": "card declined"},
        "Done": {"Type": "Succeed"},
    },
}


@pytest.fixture(scope="module")
def runner() -> Iterator[LocalRunner]:
    with LocalRunner(asl_template("DescribeExecution", MACHINE)) as local:
        yield local


def describe(runner: LocalRunner, outcome: str) -> dict[str, Any]:
    result = runner.run({"outcome": outcome})
    answer = runner.client("stepfunctions").describe_execution(executionArn=result.execution_arn)
    assert answer["status"] == result.status
    return answer


def test_a_succeeded_execution_is_not_redrivable(runner: LocalRunner) -> None:
    answer = describe(runner, "succeed")

    assert answer["redriveCount"] == 0
    assert answer["redriveStatus"] == "NOT_REDRIVABLE"
    assert answer["redriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven."
    assert answer["inputDetails"] == {"included": True}
    assert answer["outputDetails"] == {"included": True}


def test_a_failed_execution_is_redrivable(runner: LocalRunner) -> None:
    answer = describe(runner, "fail")

    assert answer["status"] == "FAILED"
    assert answer["redriveCount"] == 0
    assert answer["redriveStatus"] == "REDRIVABLE"
    assert "redriveStatusReason" not in answer
    assert answer["inputDetails"] == {"included": True}


def test_a_timed_out_execution_has_a_stop_date_and_is_redrivable(runner: LocalRunner) -> None:
    answer = describe(runner, "wait")

    assert answer["status"] == "TIMED_OUT"
    assert answer["stopDate"] >= answer["startDate"]
    assert answer["redriveStatus"] == "REDRIVABLE"
