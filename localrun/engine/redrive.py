"""RedriveExecution, emulated (moto 5.2.5 has no such action): restart an unsuccessful Standard
execution from the state where it stopped, as the Step Functions Developer Guide ("Redriving
executions") and the API reference (RedriveExecution, DescribeExecution) document it.

- What re-runs: the top-level state that was running when the execution failed, timed out or was
  aborted, with the input it had then; the states that completed before it are not re-entered and
  keep their results (the variables assigned so far too). A top-level Parallel or inline Map re-runs only
  the branches and iterations that failed or were aborted, each from the state it had reached
  (`redrive_branches.py`).
  The definition is the one the execution started with (moto keeps a snapshot per execution),
  whatever UpdateStateMachine did since.
- Context and history: `$$.Execution.RedriveCount` is the number of redrives (0 on the first
  attempt); the history goes on in the same execution (same ARN) with an `ExecutionRedriven` event
  (`executionRedrivenEventDetails.redriveCount`), then the re-run states; the execution's
  TimeoutSeconds counts again from 0.
- Who may be redriven (`ExecutionNotRedrivable` otherwise, with DescribeExecution's reason text):
  a STANDARD execution that FAILED, TIMED_OUT or was ABORTED, stopped less than 14 days ago, open
  less than one year, with fewer than 24,999 history events (room for `ExecutionRedriven` and one
  more). No limit on the number of redrives of an execution is documented (the 1,000 hard limit is
  per Map Run), so none is enforced. Express executions are not redrivable.
- `clientToken`: the last 10 tokens of successful redrives are idempotent for 15 minutes (the same
  token answers the same `redriveDate` and starts nothing).
- DescribeExecution reports `redriveCount`, `redriveStatus` (`REDRIVABLE`/`NOT_REDRIVABLE`),
  `redriveStatusReason` and, once redriven, `redriveDate`.

"Now" is the calendar clock of `localrun.clock` (real time plus what tests let pass), so the
14-day window can be crossed without waiting.
"""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.stepfunctions.parser.api import (
    ExecutionRedrivenEventDetails,
    ExecutionStatus,
    HistoryEventType,
    StateMachineType,
)
from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
from moto.stepfunctions.parser.asl.component.program.program import Program
from moto.stepfunctions.parser.asl.component.state.state import CommonStateField
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.backend.execution import Execution
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.stepfunctions.responses import StepFunctionResponse

from localrun import clock
from localrun.engine import redrive_branches as branches
from localrun.engine.overrides import add, replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/engine/test_redrive.py"

REDRIVABLE_PERIOD = datetime.timedelta(days=14)
MAX_OPEN_TIME = datetime.timedelta(days=365)
MAX_HISTORY_EVENTS = 25_000
IDEMPOTENT_TOKENS = 10
TOKEN_VALIDITY = datetime.timedelta(minutes=15)
_UNSUCCESSFUL = {ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT, ExecutionStatus.ABORTED}
_RESUME = branches.RESUME
_RESUME_FROM = branches.RESUME_FROM
_RECORD = "_localrun_redrive"
_lock = threading.Lock()


class ExecutionNotRedrivable(ServiceException):
    code = "ExecutionNotRedrivable"


class ExecutionDoesNotExist(ServiceException):
    code = "ExecutionDoesNotExist"


@dataclass(frozen=True)
class Resume:
    """Where a redrive picks up: the top-level state that was running and the input it had."""

    state: str
    input: Any


@dataclass
class RedriveRecord:
    """Redrive bookkeeping kept on moto's Execution object."""

    count: int = 0
    date: datetime.datetime | None = None
    tokens: OrderedDict[str, tuple[datetime.datetime, datetime.datetime]] = field(default_factory=OrderedDict)


def install() -> None:
    replace(CommonStateField, "eval", _build_state_eval)
    replace(Program, "_eval_body", _build_program_body)
    add(StepFunctionResponse, "redrive_execution", _redrive_response)
    branches.install()


def record_of(execution: Execution) -> RedriveRecord:
    record = getattr(execution, _RECORD, None)
    if record is None:
        record = RedriveRecord()
        setattr(execution, _RECORD, record)
    return record


def not_redrivable_reason(execution: Execution) -> str | None:
    """DescribeExecution's `redriveStatusReason`, or None when RedriveExecution would accept it."""
    if execution.sm_type == StateMachineType.EXPRESS or ":express:" in execution.exec_arn:
        return "Execution is EXPRESS and cannot be redriven."
    status = execution.exec_status
    if status not in _UNSUCCESSFUL:
        name = ExecutionStatus(status).value if status is not None else "RUNNING"
        return f"Execution is {name} and cannot be redriven."
    now = clock.calendar_now()
    if execution.start_date is not None and now - execution.start_date > MAX_OPEN_TIME:
        return "Execution has exceeded the max execution time."
    stopped = execution.stop_date or execution.start_date
    if stopped is not None and now - stopped > REDRIVABLE_PERIOD:
        return "Execution redrivable period exceeded."
    if _history_length(execution) >= MAX_HISTORY_EVENTS - 1:
        return "Execution history event limit exceeded."
    if _resume_of(execution) is None:
        return "Execution has no unsuccessful state to redrive."
    return None


def redrive(execution: Execution, client_token: str | None) -> datetime.datetime:
    """RedriveExecution: restart `execution` from its unsuccessful state; the redrive date."""
    with _lock:
        record = record_of(execution)
        now = clock.calendar_now()
        if client_token is not None:
            known = record.tokens.get(client_token)
            if known is not None and now - known[0] <= TOKEN_VALIDITY:
                return known[1]
        reason = not_redrivable_reason(execution)
        if reason is not None:
            raise ExecutionNotRedrivable(reason)
        resume = _resume_of(execution)
        assert resume is not None  # checked by not_redrivable_reason
        previous = execution.exec_worker
        record.count += 1
        record.date = now
        execution.redrive_count = record.count  # type: ignore[attr-defined]  (read by DescribeExecution hooks)
        if client_token is not None:
            record.tokens[client_token] = (now, now)
            while len(record.tokens) > IDEMPOTENT_TOKENS:
                record.tokens.popitem(last=False)
        worker = RedriveWorker(previous, redrive_count=record.count, resume=resume)
        execution.exec_worker = worker
        execution.exec_status = ExecutionStatus.RUNNING
        execution.stop_date = None
        execution.error = None
        execution.cause = None
        execution.output = None
        worker.start()
        return now


class RedriveWorker(ExecutionWorker):
    """Runs the redriven attempt: same definition, input and history; starts at `resume`."""

    def __init__(self, previous: ExecutionWorker, *, redrive_count: int, resume: Resume) -> None:
        super().__init__(
            evaluation_details=previous._evaluation_details,
            exec_comm=previous._execution_communication,
            cloud_watch_logging_session=previous._cloud_watch_logging_session,
            activity_store=previous._activity_store,
            mock_test_case=previous._mock_test_case,
        )
        self._previous_env = previous.env
        self._redrive_count = redrive_count
        self._resume = resume

    def _execution_logic(self) -> None:
        program = self._get_evaluation_entrypoint()
        env = self._get_evaluation_environment()
        previous = self._previous_env
        if previous is not None:
            env.event_manager = previous.event_manager
            env.variable_store = previous.variable_store  # type: ignore[misc]
            last_id = _last_event_id(previous)
            env.event_history_context.source_event_id = last_id
            env.event_history_context.last_published_event_id = last_id
        env.states.context_object.context_object_data["Execution"]["RedriveCount"] = self._redrive_count
        self.env = env
        env.event_manager.add_event(
            context=env.event_history_context,
            event_type=HistoryEventType.ExecutionRedriven,
            event_details=EventDetails(
                executionRedrivenEventDetails=ExecutionRedrivenEventDetails(redriveCount=self._redrive_count)
            ),
        )
        setattr(env, _RESUME_FROM, self._resume)
        outcomes = branches.scope_of(previous).branches.get(self._resume.state) if previous else None
        if outcomes:
            branches.scope_of(env).reuse = (self._resume.state, dict(outcomes))
        program.eval(env)
        self._execution_communication.terminated()


def _resume_of(execution: Execution) -> Resume | None:
    worker = execution.exec_worker
    env = worker.env if worker is not None else None
    return getattr(env, _RESUME, None) if env is not None else None


def _history_length(execution: Execution) -> int:
    worker = execution.exec_worker
    if worker is None or worker.env is None:
        return 0
    return len(worker.env.event_manager.get_event_history())


def _last_event_id(env: Environment) -> int:
    history = env.event_manager.get_event_history()
    return int(history[-1]["id"]) if history else 0


def _build_state_eval(original: Callable[[EvalComponent, Environment], None]) -> Callable[..., None]:
    """Note each top-level state as it starts, with its input: the redrive point if it fails."""

    def state_eval(self: CommonStateField, env: Environment) -> None:
        if not env.is_frame():
            branches.enter_top_level(env, self.name)
        if not env.is_frame() or getattr(env, branches.TRACK, False):
            setattr(env, _RESUME, Resume(state=self.name, input=_copy(env.states.get_input())))
        return original(self, env)

    return state_eval


def _build_program_body(original: Callable[[Program, Environment], None]) -> Callable[..., None]:
    """A redriven attempt starts at its resume state, with that state's original input."""

    def eval_body(self: Program, env: Environment) -> None:
        resume: Resume | None = getattr(env, _RESUME_FROM, None)
        if resume is not None:
            delattr(env, _RESUME_FROM)
            env.next_state_name = resume.state
            env.states.reset(_copy(resume.input))
        return original(self, env)

    return eval_body


def _copy(value: Any) -> Any:
    """A deep copy of JSON data (the interpreter may change a state's input in place)."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _execution(response: StepFunctionResponse, arn: str) -> Execution:
    backend = response.stepfunction_backend
    try:
        return backend.describe_execution(arn)
    except Exception as error:
        if getattr(error, "code", None) == "InvalidArn" or type(error).__name__ == "InvalidArn":
            raise
        raise ExecutionDoesNotExist(f"Execution Does Not Exist: '{arn}'") from error


def _redrive_response(self: StepFunctionResponse) -> ActionResult:
    arn = self._get_param("executionArn")
    if ":express:" in str(arn):
        raise ExecutionNotRedrivable("Execution is EXPRESS and cannot be redriven.")
    execution = _execution(self, arn)
    if not isinstance(execution, Execution):
        raise ExecutionNotRedrivable("localrun redrives only executions run by moto's interpreter")
    return ActionResult({"redriveDate": redrive(execution, self._get_param("clientToken"))})


def redrive_fields(execution: Execution) -> dict[str, Any]:
    """DescribeExecution's redrive members for `execution`."""
    record = record_of(execution)
    reason = not_redrivable_reason(execution)
    fields: dict[str, Any] = {
        "redriveCount": record.count,
        "redriveStatus": "REDRIVABLE" if reason is None else "NOT_REDRIVABLE",
    }
    if reason is not None:
        fields["redriveStatusReason"] = reason
    if record.date is not None:
        fields["redriveDate"] = record.date
    return fields
