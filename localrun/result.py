"""The outcome of one local run, derived from the execution's own history."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from localrun.faults import Fault
from localrun.template import LAMBDAS_ROOT
from localrun.tracking import Invocation, MapChild, RunContext, TaskToken

_TERMINAL_EVENTS = {
    "ExecutionSucceeded",
    "ExecutionFailed",
    "ExecutionTimedOut",
    "ExecutionAborted",
}


@dataclass(frozen=True)
class MapChildResult:
    """One child execution of a Distributed Map: its item index, outcome and own history."""

    map_state: str
    index: int
    status: str
    error: str | None
    cause: str | None
    history: tuple[Mapping[str, Any], ...]

    @property
    def states(self) -> tuple[str, ...]:
        return _entered(self.history)

    @classmethod
    def of(cls, child: MapChild) -> MapChildResult:
        history = tuple(
            {
                **event,
                "type": str(getattr(event["type"], "value", event["type"])),
                "timestamp": _time(event["timestamp"]),
            }
            for event in child.history
        )
        return cls(child.map_state, child.index, child.status, child.error, child.cause, history)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mapState": self.map_state,
            "index": self.index,
            "status": self.status,
            "error": self.error,
            "cause": self.cause,
            "states": list(self.states),
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
    map_children: tuple[MapChildResult, ...] = ()
    # What went wrong with the run's Bedrock script: requests that broke it, turns never used.
    bedrock_problems: tuple[str, ...] = ()

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
        """One readable line per notable event: states entered, failures, retries, the outcome;
        a Distributed Map's child executions follow the Map's entry, each with its own trace."""
        start = self.history[0]["timestamp"] if self.history else None
        pending = {child.map_state for child in self.map_children}
        lines = []
        for event in self.history:
            lines += _trace_lines([event], start)
            details = event.get("stateEnteredEventDetails") or {}
            if event["type"] == "MapStateEntered" and details.get("name") in pending:
                pending.discard(details["name"])
                lines += self._child_lines(details["name"], start)
        return lines

    def _child_lines(self, map_state: str, start: Any) -> list[str]:
        lines = []
        children = sorted((c for c in self.map_children if c.map_state == map_state), key=lambda c: c.index)
        for child in children:
            outcome = child.status + (f": {child.error}" if child.error else "")
            lines.append(f"{'':>9}  | {map_state} child #{child.index}: {outcome}")
            lines += [f"{line[:9]}  |   {line[11:]}" for line in _trace_lines(child.history, start)]
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
            "mapChildren": [child.to_dict() for child in self.map_children],
            "bedrockProblems": list(self.bedrock_problems),
        }


def build_result(
    run: RunContext,
    description: Mapping[str, Any],
    history: Sequence[Mapping[str, Any]],
    wall_seconds: float,
    children: Sequence[RunResult] = (),
) -> RunResult:
    states = _entered(history)
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
        map_children=tuple(
            sorted(
                (MapChildResult.of(child) for child in run.map_children), key=lambda c: (c.map_state, c.index)
            )
        ),
        bedrock_problems=tuple(run.bedrock.problems()) if run.parent is None and run.bedrock else (),
    )


def _entered(history: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    return tuple(
        event["stateEnteredEventDetails"]["name"]
        for event in history
        if event["type"].endswith("StateEntered") and "stateEnteredEventDetails" in event
    )


def _trace_lines(history: Sequence[Mapping[str, Any]], start: Any) -> list[str]:
    lines = []
    for event in history:
        line = _describe(event)
        if line is None:
            continue
        offset = (_time(event["timestamp"]) - _time(start)).total_seconds() if start else 0.0
        lines.append(f"{format_duration(max(offset, 0.0)):>9}  {line}")
    return lines


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
            cause = readable_cause(value.get("cause"))
            short = cause if len(cause) <= 160 else cause[:157] + "..."
            return f"   x {kind}: {value['error']}" + (f" - {short}" if short else "")
    if kind == "TaskSubmitted":
        return "   ~ task submitted, waiting"
    if kind in _TERMINAL_EVENTS:
        return f"== {kind.removeprefix('Execution').upper()}"
    return None


def readable_cause(cause: Any) -> str:
    """A failure's cause for people: a Lambda error response becomes `message (at file:line in
    function)`, naming the handler's own deepest frame; any other cause is returned as it is."""
    text = str(cause or "")
    try:
        body = json.loads(text)
    except ValueError:
        return text
    if isinstance(body, Mapping) and {"Error", "Cause"} <= set(body):
        return readable_cause(body["Cause"])
    if not isinstance(body, Mapping) or "errorMessage" not in body:
        return text
    message = str(body.get("errorMessage") or "")
    frame = _own_frame(body.get("stackTrace") or [])
    return f"{message} (at {frame})" if frame else message


_FRAME = re.compile(r'File "(?P<path>[^"]+)", line (?P<line>\d+), in (?P<function>\S+)')
_CODE_ROOT = "/var/task/"


def _own_frame(stack: Sequence[Any]) -> str | None:
    """The deepest frame in the project's own handler code (not a bundled package such as Powertools)."""
    for entry in reversed([str(item) for item in stack]):
        match = _FRAME.search(entry)
        if match is None:
            continue
        path = match.group("path")
        relative = path.removeprefix(_CODE_ROOT)
        if path.startswith(_CODE_ROOT) and (LAMBDAS_ROOT / relative).is_file():
            return f"lambdas/{relative}:{match.group('line')} in {match.group('function')}"
    return None
