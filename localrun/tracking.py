"""What one local run carries across moto's threads: faults, mocks, clock, invocations, tokens."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from localrun.clock import Clock, Timeline
from localrun.emulation.converse import BedrockScript
from localrun.faults import FaultPlan
from localrun.mocks import MockConfig


@dataclass(frozen=True)
class Invocation:
    """One in-process Lambda invocation, as CloudWatch Logs and the Lambda console would show it."""

    function: str
    logical_id: str
    request_id: str
    state: str | None
    duration_ms: float
    error_type: str | None
    logs: str
    # The error response of a failed invocation (errorType, errorMessage, stackTrace), which the
    # Lambda runtime also writes to the function's log.
    error: str | None = None


@dataclass(frozen=True)
class TaskToken:
    """A `.waitForTaskToken` task waiting for SendTaskSuccess/SendTaskFailure."""

    token: str
    state: str
    execution_arn: str
    timeout_seconds: float | None = None


@dataclass(frozen=True)
class MapChild:
    """One child execution of a Distributed Map: which Map, its item index, how it ended, its history."""

    map_state: str
    index: int
    status: str
    error: str | None
    cause: str | None
    history: tuple[dict[str, Any], ...]


@dataclass
class RunContext:
    """Shared by an execution started through localrun and the child executions it starts."""

    execution_arn: str
    state_machine_names: tuple[str, ...]
    faults: FaultPlan = field(default_factory=FaultPlan)
    mock_config: MockConfig | None = None
    test_case: str | None = None
    parent: RunContext | None = None
    timeline: Timeline = field(default_factory=Timeline)
    finished: threading.Event = field(default_factory=threading.Event)
    invocations: list[Invocation] = field(default_factory=list)
    tokens: list[TaskToken] = field(default_factory=list)
    children: list[RunContext] = field(default_factory=list)
    map_children: list[MapChild] = field(default_factory=list)
    clock: Clock | None = None
    retries: int = 0
    redrive: bool = False  # a redriven attempt: its result starts at ExecutionRedriven
    bedrock: BedrockScript | None = None  # scripted Converse/ApplyGuardrail turns (child runs use the root's)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def root(self) -> RunContext:
        return self if self.parent is None else self.parent.root

    def record_invocation(self, invocation: Invocation) -> None:
        with self._lock:
            self.invocations.append(invocation)

    def count_retry(self) -> None:
        with self._lock:
            self.retries += 1

    def record_map_child(self, child: MapChild) -> None:
        with self._lock:
            self.map_children.append(child)

    def record_token(self, token: TaskToken) -> None:
        root = self.root
        with root._lock:
            root.tokens.append(token)

    def child(self, execution_arn: str, names: tuple[str, ...]) -> RunContext:
        child = RunContext(
            execution_arn=execution_arn,
            state_machine_names=names,
            faults=self.faults,
            mock_config=self.mock_config,
            test_case=self.test_case,
            parent=self,
        )
        with self._lock:
            self.children.append(child)
        return child


@dataclass(frozen=True)
class TaskScope:
    """The state a thread is currently executing, and the run it belongs to."""

    run: RunContext
    state: str
    env: Any


_runs: dict[str, RunContext] = {}
_runs_lock = threading.Lock()
_local = threading.local()


def register(run: RunContext) -> None:
    with _runs_lock:
        _runs[run.execution_arn] = run


def unregister(run: RunContext) -> None:
    """Forget `run` and its children (idempotent: several callers may wait on one execution)."""
    with _runs_lock:
        for entry in (*run.children, run):
            if _runs.get(entry.execution_arn) is entry:
                del _runs[entry.execution_arn]


def run_for(execution_arn: str) -> RunContext | None:
    with _runs_lock:
        return _runs.get(execution_arn)


def current_task() -> TaskScope | None:
    return getattr(_local, "task", None)


@contextmanager
def task_scope(scope: TaskScope | None) -> Iterator[None]:
    previous = getattr(_local, "task", None)
    _local.task = scope
    try:
        yield
    finally:
        _local.task = previous
