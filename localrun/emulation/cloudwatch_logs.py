"""EMULATION of what a run writes to CloudWatch Logs, as AWS documents it; for local checks only.

Step Functions (step-functions/latest/dg/cw-logs.html): a state machine's LoggingConfiguration
picks which execution-history events are logged (cloudwatch-log-level.html: ALL every type, ERROR
the failure types in `ERROR_EVENTS`, FATAL ExecutionAborted/Failed/TimedOut, OFF none) and whether
execution data goes with them. Execution data is an event's input or output (apireference/
API_GetExecutionHistory.html: "execution data (input or output of a history event)"), so with
`includeExecutionData: false` this emulation drops `input`, `inputDetails`, `output` and
`outputDetails` from each event's details and keeps everything else: `error`, `cause`, a task's
`parameters`, names. Where the documentation is silent a value is assumed to reach the log, so a
check built on these records errs on the side of finding a leak. Each record is one JSON log
event: `id`, `type`, `details`, `previous_event_id`, `event_timestamp` (epoch milliseconds),
`execution_arn`, `redrive_count`, all in the state machine's destination log group.

Lambda: an invocation writes what its handler printed (Powertools' JSON lines) to the function's log
group, between the runtime's START, END and REPORT lines, and the runtime adds its record of an
unhandled error (the error response: `errorType`, `errorMessage`, `stackTrace`).

Not emulated: the events of Distributed Map child executions (localrun runs them inside the Map
state; their Lambda invocations are included), X-Ray segments and CloudTrail.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from localrun.result import RunResult
from localrun.tracking import Invocation

if TYPE_CHECKING:
    from localrun.runner import LocalRunner
    from localrun.template import StackTemplate

STATE_MACHINE_TYPE = "AWS::StepFunctions::StateMachine"
FATAL_EVENTS = frozenset({"ExecutionAborted", "ExecutionFailed", "ExecutionTimedOut"})
ERROR_EVENTS = FATAL_EVENTS | {
    "FailStateEntered",
    "LambdaFunctionFailed",
    "LambdaFunctionScheduleFailed",
    "LambdaFunctionStartFailed",
    "LambdaFunctionTimedOut",
    "MapIterationAborted",
    "MapIterationFailed",
    "MapRunAborted",
    "MapRunFailed",
    "MapStateAborted",
    "MapStateFailed",
    "ParallelStateAborted",
    "ParallelStateFailed",
    "TaskFailed",
    "TaskStartFailed",
    "TaskStateAborted",
    "TaskSubmitFailed",
    "TaskTimedOut",
    "WaitStateAborted",
}
EXECUTION_DATA = ("input", "inputDetails", "output", "outputDetails")
LEVELS = ("ALL", "ERROR", "FATAL", "OFF")


@dataclass(frozen=True)
class LoggingConfiguration:
    """A state machine's LoggingConfiguration; `log_group` is the destination's logical id."""

    level: str = "OFF"
    include_execution_data: bool = False
    log_group: str | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"log level {self.level!r} is not one of {', '.join(LEVELS)}")

    @classmethod
    def from_properties(cls, properties: Mapping[str, Any]) -> LoggingConfiguration:
        """From an `AWS::StepFunctions::StateMachine` resource's properties (OFF when absent)."""
        logging = properties.get("LoggingConfiguration") or {}
        destinations = logging.get("Destinations") or [{}]
        arn = destinations[0].get("CloudWatchLogsLogGroup", {}).get("LogGroupArn")
        log_group = arn["Fn::GetAtt"][0] if isinstance(arn, Mapping) and "Fn::GetAtt" in arn else None
        return cls(
            level=str(logging.get("Level", "OFF")),
            include_execution_data=bool(logging.get("IncludeExecutionData", False)),
            log_group=log_group,
        )

    def logs(self, event_type: str) -> bool:
        """Whether an execution-history event of this type is written at this level."""
        if self.level == "ALL":
            return True
        if self.level == "ERROR":
            return event_type in ERROR_EVENTS
        if self.level == "FATAL":
            return event_type in FATAL_EVENTS
        return False


@dataclass(frozen=True)
class LogRecord:
    """One log event: the log group it lands in, who wrote it, and its text."""

    log_group: str
    source: str
    message: str


def logging_configurations(stack: StackTemplate) -> dict[str, LoggingConfiguration]:
    """Each state machine's LoggingConfiguration in a synthesized template, by logical id."""
    return {
        logical_id: LoggingConfiguration.from_properties(resource.get("Properties", {}))
        for logical_id, resource in stack.of_type(STATE_MACHINE_TYPE).items()
    }


def execution_log_events(
    history: Iterable[Mapping[str, Any]], execution_arn: str, configuration: LoggingConfiguration
) -> list[dict[str, Any]]:
    """The log events Step Functions writes for one execution's history under `configuration`."""
    events = []
    redrives = 0  # the attempt an event belongs to: each ExecutionRedriven starts the next
    for event in history:
        if event["type"] == "ExecutionRedriven":
            redrives += 1
        if not configuration.logs(str(event["type"])):
            continue
        details = next(
            (
                dict(value)
                for key, value in event.items()
                if key.endswith("EventDetails") and isinstance(value, Mapping)
            ),
            {},
        )
        if not configuration.include_execution_data:
            for key in EXECUTION_DATA:
                details.pop(key, None)
        events.append(
            {
                "id": str(event["id"]),
                "type": event["type"],
                "details": details,
                "previous_event_id": str(event.get("previousEventId", 0)),
                "event_timestamp": str(_epoch_millis(event["timestamp"])),
                "execution_arn": execution_arn,
                "redrive_count": str(redrives),
            }
        )
    return events


def invocation_log_lines(invocation: Invocation) -> list[str]:
    """The lines one Lambda invocation writes to its function's log group."""
    request = invocation.request_id
    lines = [f"START RequestId: {request} Version: $LATEST"]
    lines += [line for line in invocation.logs.splitlines() if line.strip()]
    if invocation.error is not None:
        lines.append(invocation.error)
    lines.append(f"END RequestId: {request}")
    lines.append(f"REPORT RequestId: {request}\tDuration: {invocation.duration_ms:.2f} ms")
    return lines


def run_log_records(
    runner: LocalRunner,
    result: RunResult,
    configurations: Mapping[str, LoggingConfiguration] | None = None,
) -> list[LogRecord]:
    """Everything `result`'s run sends to CloudWatch Logs: each execution's events (its own and its
    child executions') under its state machine's LoggingConfiguration, from the runner's template
    unless `configurations` (by state machine logical id) says otherwise, and the log lines of
    every Lambda invocation."""
    configured = {**logging_configurations(runner.stack), **(configurations or {})}
    by_name = {arn.rsplit(":", 1)[-1]: logical_id for logical_id, arn in runner.state_machines.items()}
    records: list[LogRecord] = []
    for execution in _executions(result):
        logical_id = by_name.get(execution.state_machine)
        configuration = configured.get(logical_id or "", LoggingConfiguration())
        if configuration.log_group is not None:
            group = runner.resource(configuration.log_group).name
            for event in execution_log_events(execution.history, execution.execution_arn, configuration):
                records.append(
                    LogRecord(group, execution.state_machine, json.dumps(event, ensure_ascii=False))
                )
        for invocation in execution.invocations:
            group = runner.function(invocation.function).log_group
            records += [
                LogRecord(group, invocation.function, line) for line in invocation_log_lines(invocation)
            ]
    return records


def _executions(result: RunResult) -> Sequence[RunResult]:
    found = [result]
    for child in result.children:
        found += _executions(child)
    return found


def _epoch_millis(value: Any) -> int:
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        moment = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return int(moment.timestamp() * 1000)
