"""The outcome of one local run, derived from the execution's own history."""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from localrun.faults import Fault
from localrun.tracking import Invocation, RunContext, TaskToken

_TERMINAL_EVENTS = {
    "ExecutionSucceeded",
    "ExecutionFailed",
    "ExecutionTimedOut",
    "ExecutionAborted",
}


@dataclass(frozen=True)
class RunResult:
    """Status, output or error, the states entered, billed transitions, simulated time, history,
    Lambda invocations and the task tokens the run issued."""

    name: str
    execution_arn: str
    state_machine: str
    status: str
    output: Any
    error: str | None
    cause: str | None
    states: tuple[str, ...]
    transitions: int
    retries: int
    simulated_seconds: float
    wall_seconds: float
    history: tuple[Mapping[str, Any], ...]
    invocations: tuple[Invocation, ...] = ()
    faults_fired: Mapping[Fault, int] = field(default_factory=dict)
    children: tuple[RunResult, ...] = ()
    task_tokens: tuple[TaskToken, ...] = ()

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    @property
    def unfired_faults(self) -> tuple[Fault, ...]:
        """The faults passed to this run that never fired: a test or sample that injects a fault
        and never sees it fire tests nothing (a renamed state, an unreachable path)."""
        return tuple(fault for fault, count in self.faults_fired.items() if count == 0)

    def entered(self, state: str) -> int:
        """How many times `state` was entered."""
        return self.states.count(state)

    def state_output(self, state: str) -> Any:
        """The output of the last exit from `state` (parsed JSON), or KeyError if it never exited."""
        for event in reversed(self.history):
            details = event.get("stateExitedEventDetails")
            if details and details.get("name") == state:
                return json.loads(details.get("output") or "null")
        raise KeyError(f"state {state!r} never exited")

    def events(self, *types: str) -> list[Mapping[str, Any]]:
        return [event for event in self.history if not types or event["type"] in types]

    def trace(self) -> list[str]:
        """One readable line per notable event: states entered, failures, retries, the outcome."""
        lines = []
        start = self.history[0]["timestamp"] if self.history else None
        for event in self.history:
            line = _describe(event)
            if line is None:
                continue
            offset = (_time(event["timestamp"]) - _time(start)).total_seconds() if start else 0.0
            lines.append(f"{format_duration(offset):>9}  {line}")
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "executionArn": self.execution_arn,
            "stateMachine": self.state_machine,
            "status": self.status,
            "output": self.output,
            "error": self.error,
            "cause": self.cause,
            "states": list(self.states),
            "transitions": self.transitions,
            "retries": self.retries,
            "simulatedSeconds": self.simulated_seconds,
            "wallSeconds": self.wall_seconds,
            "invocations": [
                {
                    "function": item.function,
                    "state": item.state,
                    "requestId": item.request_id,
                    "durationMs": round(item.duration_ms, 3),
                    "errorType": item.error_type,
                }
                for item in self.invocations
            ],
            "children": [child.to_dict() for child in self.children],
        }


def build_result(
    run: RunContext,
    description: Mapping[str, Any],
    history: Sequence[Mapping[str, Any]],
    wall_seconds: float,
    children: Sequence[RunResult] = (),
) -> RunResult:
    states = tuple(
        event["stateEnteredEventDetails"]["name"]
        for event in history
        if event["type"].endswith("StateEntered") and "stateEnteredEventDetails" in event
    )
    output = description.get("output")
    return RunResult(
        name=str(description["name"]),
        execution_arn=run.execution_arn,
        state_machine=str(description["stateMachineArn"]).rsplit(":", 1)[-1],
        status=str(description["status"]),
        output=json.loads(output) if output is not None else None,
        error=description.get("error"),
        cause=description.get("cause"),
        states=states,
        transitions=len(states) + run.retries,
        retries=run.retries,
        simulated_seconds=_simulated_seconds(history),
        wall_seconds=wall_seconds,
        history=tuple(history),
        invocations=tuple(run.invocations),
        faults_fired=run.faults.fired() if run.parent is None else {},
        children=tuple(children),
        task_tokens=tuple(run.tokens) if run.parent is None else (),
    )


def _time(value: Any) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _simulated_seconds(history: Sequence[Mapping[str, Any]]) -> float:
    if not history:
        return 0.0
    end = next((event for event in reversed(history) if event["type"] in _TERMINAL_EVENTS), history[-1])
    return max(0.0, (_time(end["timestamp"]) - _time(history[0]["timestamp"])).total_seconds())


def format_duration(seconds: float) -> str:
    """Compact human duration: `12ms`, `4.20s`, `3m05s`, `1h00m`."""
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.2f}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"


def _describe(event: Mapping[str, Any]) -> str | None:
    kind = event["type"]
    if kind.endswith("StateEntered"):
        return f"-> {event['stateEnteredEventDetails']['name']} ({kind.removesuffix('StateEntered')})"
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, Mapping) and "error" in value:
            cause = str(value.get("cause") or "")
            short = cause if len(cause) <= 100 else cause[:97] + "..."
            return f"   x {kind}: {value['error']}" + (f" - {short}" if short else "")
    if kind == "TaskSubmitted":
        return "   ~ task submitted, waiting"
    if kind in _TERMINAL_EVENTS:
        return f"== {kind.removeprefix('Execution').upper()}"
    return None
