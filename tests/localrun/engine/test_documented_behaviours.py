"""Small documented Step Functions behaviours, each checked on a hand-written state machine.

- Context object: `$$.Execution.RedriveCount` is 0 on a first run ("Accessing execution data from
  the Context object").
- Variables: `Assign` and `Output` of one state are evaluated with the values from state entry;
  new values are seen from the next state on ("Passing data between states with variables").
- Wait: at most one year in a Standard workflow ("Wait workflow state").
- StartExecution: `input` at most 262144 bytes of UTF-8 (StartExecution, API Reference).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localrun import LocalRunner
from tests.localrun.asl_stacks import asl_template

ONE_YEAR = 365 * 24 * 3600


def run(name: str, definition: dict[str, Any], input: Any = None) -> Any:
    with LocalRunner(asl_template(name, definition)) as runner:
        return runner.run(input or {})


def test_redrive_count_is_zero_on_a_first_run() -> None:
    definition = {
        "StartAt": "Read",
        "States": {
            "Read": {"Type": "Pass", "Parameters": {"redrives.$": "$$.Execution.RedriveCount"}, "End": True}
        },
    }

    result = run("RedriveCount", definition)

    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"redrives": 0}


def test_assign_takes_effect_after_the_state_output() -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Start",
        "States": {
            "Start": {"Type": "Pass", "Assign": {"n": 1}, "Next": "Bump"},
            "Bump": {
                "Type": "Pass",
                "Assign": {"n": "{% $n + 1 %}", "seenByAssign": "{% $n %}"},
                "Output": {"seenByOutput": "{% $n %}"},
                "Next": "Choose",
            },
            "Choose": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $n > 100 %}", "Next": "Done"}],
                "Default": "Done",
                "Assign": {"n": "{% $n * 10 %}"},
                "Output": {"seenByOutput": "{% $states.input.seenByOutput %}", "beforeChoice": "{% $n %}"},
            },
            "Done": {
                "Type": "Pass",
                "Output": {
                    "bump": "{% $states.input.seenByOutput %}",
                    "choice": "{% $states.input.beforeChoice %}",
                    "assign": "{% $seenByAssign %}",
                    "final": "{% $n %}",
                },
                "End": True,
            },
        },
    }

    result = run("AssignAfterOutput", definition)

    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"bump": 1, "choice": 2, "assign": 1, "final": 20}


WAIT = {
    "StartAt": "Pause",
    "States": {
        "Pause": {"Type": "Wait", "SecondsPath": "$.seconds", "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}


def test_a_wait_of_one_year_passes_in_virtual_time() -> None:
    result = run("WaitOneYear", WAIT, {"seconds": ONE_YEAR})

    assert result.status == "SUCCEEDED", result.cause
    assert result.simulated_seconds >= ONE_YEAR


def test_a_wait_beyond_the_maximum_fails_the_execution() -> None:
    result = run("WaitTooLong", WAIT, {"seconds": ONE_YEAR + 1})

    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert (result.cause or "").endswith("Wait state delay is too long")
    assert "Done" not in result.states


def test_an_input_over_256_kib_is_refused() -> None:
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "Result": "accepted", "End": True}}}
    with LocalRunner(asl_template("InputLimit", definition)) as runner:
        padding = len(json.dumps({"data": ""}))
        assert runner.run({"data": "x" * (262144 - padding)}).status == "SUCCEEDED"

        with pytest.raises(ClientError) as refused:
            runner.start_execution({"data": "x" * (262144 - padding + 1)})

    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "Member must have length less than or equal to 262144" in str(refused.value)


def express_template(name: str, definition: dict[str, Any]) -> Any:
    """`asl_template` with the state machine declared Express (StateMachineType: EXPRESS)."""
    template = asl_template(name, definition)
    template.template["Resources"]["Machine"]["Properties"]["StateMachineType"] = "EXPRESS"
    return template


@pytest.mark.parametrize(("seconds", "status"), [(300, "SUCCEEDED"), (301, "FAILED")])
def test_an_express_wait_is_limited_to_five_minutes(seconds: int, status: str) -> None:
    with LocalRunner(express_template(f"ExpressWait{seconds}", WAIT)) as runner:
        described = runner.client("stepfunctions").describe_state_machine(
            stateMachineArn=runner.state_machine_arn()
        )
        result = runner.run({"seconds": seconds})

    assert described["type"] == "EXPRESS"
    assert result.status == status, result.cause
    if status == "FAILED":
        assert result.error == "States.Runtime"
        assert (result.cause or "").endswith("Wait state delay is too long")
