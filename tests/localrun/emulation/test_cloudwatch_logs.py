"""The CloudWatch Logs emulation: which events each level writes, what execution data is dropped,
what a Lambda invocation writes, and what a whole local run would send (with a planted value)."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from localrun import Fault, Invocation, LocalRunner
from localrun.emulation.cloudwatch_logs import (
    LoggingConfiguration,
    execution_log_events,
    invocation_log_lines,
    logging_configurations,
    run_log_records,
)
from localrun.emulation.metric_filters import MetricFilter

PLANTED = "planted-7f3a9c"
ARN = "arn:aws:states:us-east-1:123456789012:execution:M:e-1"
MOMENT = datetime.datetime(2026, 11, 1, 12, 0, tzinfo=datetime.UTC)


def event(number: int, kind: str, details_key: str, **details: Any) -> dict[str, Any]:
    return {
        "id": number,
        "previousEventId": number - 1,
        "type": kind,
        "timestamp": MOMENT,
        details_key: details,
    }


HISTORY = [
    event(
        1,
        "ExecutionStarted",
        "executionStartedEventDetails",
        input=json.dumps({"card": PLANTED}),
        roleArn="r",
    ),
    event(
        2, "TaskStateEntered", "stateEnteredEventDetails", name="Charge", input=json.dumps({"card": PLANTED})
    ),
    event(
        3,
        "TaskScheduled",
        "taskScheduledEventDetails",
        resource="invoke",
        resourceType="lambda",
        parameters="{}",
    ),
    event(
        4,
        "TaskFailed",
        "taskFailedEventDetails",
        resource="invoke",
        resourceType="lambda",
        error="Declined",
        cause="no funds",
    ),
    event(
        5, "FailStateEntered", "stateEnteredEventDetails", name="Failed", input=json.dumps({"card": PLANTED})
    ),
    event(6, "ExecutionFailed", "executionFailedEventDetails", error="Declined", cause="no funds"),
]


def logged(level: str, data: bool) -> list[dict[str, Any]]:
    return execution_log_events(HISTORY, ARN, LoggingConfiguration(level, data, "Logs"))


@pytest.mark.parametrize(
    ("level", "types"),
    [
        (
            "ALL",
            [
                "ExecutionStarted",
                "TaskStateEntered",
                "TaskScheduled",
                "TaskFailed",
                "FailStateEntered",
                "ExecutionFailed",
            ],
        ),
        ("ERROR", ["TaskFailed", "FailStateEntered", "ExecutionFailed"]),
        ("FATAL", ["ExecutionFailed"]),
        ("OFF", []),
    ],
)
def test_each_level_writes_the_event_types_the_documentation_lists(level: str, types: list[str]) -> None:
    assert [record["type"] for record in logged(level, True)] == types


def test_without_execution_data_inputs_and_outputs_go_errors_and_names_stay() -> None:
    records = logged("ALL", False)
    assert PLANTED not in json.dumps(records)
    assert records[1]["details"] == {"name": "Charge"}
    assert records[-1]["details"] == {"error": "Declined", "cause": "no funds"}
    assert PLANTED in json.dumps(logged("ALL", True))


def test_a_record_has_the_step_functions_log_event_shape() -> None:
    record = logged("FATAL", False)[0]
    assert record == {
        "id": "6",
        "type": "ExecutionFailed",
        "details": {"error": "Declined", "cause": "no funds"},
        "previous_event_id": "5",
        "event_timestamp": str(int(MOMENT.timestamp() * 1000)),
        "execution_arn": ARN,
        "redrive_count": "0",
    }


def test_events_after_a_redrive_carry_its_redrive_count() -> None:
    redriven = [
        *HISTORY,
        event(7, "ExecutionRedriven", "executionRedrivenEventDetails", redriveCount=1),
        event(8, "TaskStateEntered", "stateEnteredEventDetails", name="Charge", input="{}"),
    ]
    records = execution_log_events(redriven, ARN, LoggingConfiguration(level="ALL"))
    counts = {record["id"]: record["redrive_count"] for record in records}
    assert counts["6"] == "0" and counts["7"] == "1" and counts["8"] == "1"


def test_the_configuration_comes_from_the_template_and_defaults_to_off() -> None:
    properties = {
        "LoggingConfiguration": {
            "Level": "ERROR",
            "IncludeExecutionData": False,
            "Destinations": [
                {"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": ["WorkflowLogs", "Arn"]}}}
            ],
        }
    }
    assert LoggingConfiguration.from_properties(properties) == LoggingConfiguration(
        "ERROR", False, "WorkflowLogs"
    )
    assert LoggingConfiguration.from_properties({}) == LoggingConfiguration("OFF", False, None)
    with pytest.raises(ValueError, match="DEBUG"):
        LoggingConfiguration("DEBUG")


def test_an_invocation_writes_its_output_and_its_unhandled_error() -> None:
    invocation = Invocation(
        function="f", logical_id="F", request_id="r-1", state="Charge", duration_ms=1.5,
        error_type="Declined", logs='{"message": "charging"}\n\n',
        error=json.dumps({"errorType": "Declined", "errorMessage": PLANTED}),
    )  # fmt: skip
    lines = invocation_log_lines(invocation)
    assert lines[0] == "START RequestId: r-1 Version: $LATEST"
    assert lines[1] == '{"message": "charging"}'
    assert PLANTED in lines[2]
    assert lines[3:] == ["END RequestId: r-1", "REPORT RequestId: r-1\tDuration: 1.50 ms"]


# ---- a whole run (the probe stack: CallEcho -> Done, dev logging: ALL with execution data) ----


def state_machine_records(runner: LocalRunner, result: Any, **overrides: LoggingConfiguration) -> list[str]:
    group = runner.resource(next(iter(logging_configurations(runner.stack).values())).log_group or "").name
    return [r.message for r in run_log_records(runner, result, overrides) if r.log_group == group]


def test_a_run_under_dev_logging_writes_its_input_to_the_log(probe: LocalRunner) -> None:
    result = probe.run({"card": PLANTED})
    records = state_machine_records(probe, result)
    assert result.status == "SUCCEEDED" and any(PLANTED in message for message in records)
    lambda_lines = [r for r in run_log_records(probe, result) if r.source == result.invocations[0].function]
    assert lambda_lines[0].log_group == probe.function("Echo").log_group


def test_a_run_under_error_logging_without_data_writes_failures_only_and_no_input(probe: LocalRunner) -> None:
    [machine] = logging_configurations(probe.stack)
    quiet = LoggingConfiguration("ERROR", False, logging_configurations(probe.stack)[machine].log_group)
    assert state_machine_records(probe, probe.run({"card": PLANTED}), **{machine: quiet}) == []

    failed = probe.run({"card": PLANTED}, faults=[Fault(state="CallEcho", error="Boom", times=None)])
    records = [json.loads(m) for m in state_machine_records(probe, failed, **{machine: quiet})]
    assert failed.error == "Boom" and records and PLANTED not in json.dumps(records)
    assert records[-1]["type"] == "ExecutionFailed" and records[-1]["details"]["error"] == "Boom"


@pytest.mark.parametrize(("error", "counted"), [("Boom", 1), ("EchoRefused", 0)])
def test_the_unexpected_failures_filter_counts_from_error_level_logs(
    probe: LocalRunner, error: str, counted: int
) -> None:
    [machine] = logging_configurations(probe.stack)
    quiet = LoggingConfiguration("ERROR", False, logging_configurations(probe.stack)[machine].log_group)
    [metric_filter] = probe.stack.of_type("AWS::Logs::MetricFilter").values()
    pattern = MetricFilter.parse(metric_filter["Properties"]["FilterPattern"])
    failed = probe.run({"card": PLANTED}, faults=[Fault(state="CallEcho", error=error, times=None)])
    assert failed.error == error
    assert (
        sum(pattern.matches(m) for m in state_machine_records(probe, failed, **{machine: quiet})) == counted
    )


def test_a_failed_invocation_logs_the_runtime_error_record(probe: LocalRunner) -> None:
    failed = probe.run({"card": "x"}, faults=[Fault(function="Echo", error="Boom", cause="no echo today")])
    [invocation] = failed.invocations
    assert json.loads(invocation.error or "{}") == {"errorType": "Boom", "errorMessage": "no echo today"}
    lines = [
        r.message for r in run_log_records(probe, failed) if r.log_group == probe.function("Echo").log_group
    ]
    assert invocation.error in lines and lines[0].startswith("START RequestId")
