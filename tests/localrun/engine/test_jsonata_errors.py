"""JSONata evaluation failures, as the Step Functions developer guide and API reference describe them.

"Transforming data with JSONata in Step Functions" / "Error handling": a JSONata expression that
fails fails its state with `States.QueryEvaluationError`; `EvaluationFailedEventDetails` (API
reference) records the state, error, cause and the location of the field. "Wait workflow state": in
JSONata states `Timestamp` is an expression whose result must be an RFC 3339 timestamp.
"""

from __future__ import annotations

from typing import Any

from localrun import LocalRunner
from tests.localrun.asl_stacks import asl_template


def run_with_history(name: str, state: dict[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
    definition = {"QueryLanguage": "JSONata", "StartAt": "Step", "States": {"Step": {**state, "End": True}}}
    with LocalRunner(asl_template(name, definition)) as runner:
        result = runner.run({})
        history = runner.client("stepfunctions").get_execution_history(executionArn=result.execution_arn)
    return result, history["events"]


def evaluation_failed(events: list[dict[str, Any]]) -> dict[str, Any]:
    [event] = [e["evaluationFailedEventDetails"] for e in events if e["type"] == "EvaluationFailed"]
    return event


def test_an_invalid_jsonata_wait_timestamp_is_a_query_evaluation_error() -> None:
    result, events = run_with_history("WaitTimestamp", {"Type": "Wait", "Timestamp": "{% 'tomorrow' %}"})

    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")
    details = evaluation_failed(events)
    assert details["error"] == "States.QueryEvaluationError"
    assert (details["state"], details["location"]) == ("Step", "Timestamp")
    assert "'tomorrow'" in details["cause"]
    assert events[-1]["type"] == "ExecutionFailed"


def test_a_jsonata_wait_timestamp_that_is_no_string_is_a_query_evaluation_error() -> None:
    result, events = run_with_history("WaitNumber", {"Type": "Wait", "Timestamp": "{% 42 %}"})

    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")
    assert evaluation_failed(events)["location"] == "Timestamp"


def test_an_undefined_variable_names_the_field_and_its_location() -> None:
    result, events = run_with_history("UndefinedVariable", {"Type": "Pass", "Output": "{% $missing %}"})

    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")
    details = evaluation_failed(events)
    assert (details["state"], details["location"]) == ("Step", "Output")
    assert "The JSONata expression '$missing' specified for the field 'Output'" in details["cause"]
    assert "specified for the field 'Output'" in (result.cause or "")


def test_a_nested_expression_is_reported_at_its_key() -> None:
    result, events = run_with_history(
        "UndefinedNested", {"Type": "Pass", "Output": {"total": "{% $missing %}"}}
    )

    assert result.error == "States.QueryEvaluationError"
    assert "specified for the field 'total'" in evaluation_failed(events)["cause"]


def test_an_unknown_function_is_jsonata_error_t1006() -> None:
    result, events = run_with_history(
        "UnknownFunction", {"Type": "Pass", "Output": "{% $noSuchFunction(1) %}"}
    )

    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")
    details = evaluation_failed(events)
    assert (details["state"], details["location"]) == ("Step", "Output")
    assert "T1006: Attempted to invoke a non-function" in details["cause"]
    assert "T1006: Attempted to invoke a non-function" in (result.cause or "")
