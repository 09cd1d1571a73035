"""Tie moto executions to localrun runs: clocks, mocks, faults, task tokens, completion, children.

Also the context object: `$$.Execution.RedriveCount` is 0 on a first run (moto had none; a
redrive sets it: `redrive.py`);
`$$.Execution.StartTime` and `$$.State.EnteredTime` are ISO-8601 strings with milliseconds and
`Z` (`2026-11-22T18:00:00.000Z`), as on AWS; moto put a datetime
object in StartTime (which a DynamoDB or Lambda task then failed to serialize) and a microsecond
`+00:00` string in EnteredTime. EnteredTime includes the virtual time skipped so far.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable
from typing import Any

from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.state import state as state_module
from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
    state_task_factory,  # noqa: F401  (imports every Task state class, so all get wrapped)
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (  # noqa: E501
    StateTaskServiceCallback,
)
from moto.stepfunctions.parser.asl.component.state.state import CommonStateField
from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackOutcomeTimedOut
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.eval.states import ContextObject, StateData
from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication, Execution
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

from localrun import tracking
from localrun.clock import Clock
from localrun.engine.fixes.states_error_names import error_name
from localrun.engine.overrides import replace
from localrun.engine.timekeeping import RUN_ATTRIBUTE, attach, clock_of
from localrun.faults import Injection

OVERRIDE_KIND = "wiring"
OVERRIDE_TEST = "tests/localrun/test_runner.py"

_state_machine_names: dict[str, tuple[str, ...]] = {}
_entering = threading.local()
_waiting: dict[str, tuple[Environment, float | None]] = {}
_LOST_RESPONSE = "_localrun_lost_response"


def time_out_task(token: str) -> bool:
    """Let a waiting `.waitForTaskToken` task time out: its TimeoutSeconds (or HeartbeatSeconds)
    pass on the virtual clock and the task fails with States.Timeout, as on AWS when no answer
    comes. False if the token is unknown or no longer waiting."""
    entry = _waiting.pop(token, None)
    if entry is None:
        return False
    env, timeout = entry
    clock = clock_of(env)
    if clock is not None and timeout is not None and not clock.sleep(timeout):
        return True  # the execution's own TimeoutSeconds came first: it timed out instead
    return bool(env.callback_pool_manager.notify(token, CallbackOutcomeTimedOut(callback_id=token)))


def _time_out_execution(env: Environment) -> None:
    """The execution's TimeoutSeconds passed (virtual time): it stops where it is."""
    env.set_timed_out()


def forget_tokens(tokens: list[str]) -> None:
    """Drop the bookkeeping of a finished run's task tokens."""
    for token in tokens:
        _waiting.pop(token, None)


def _static_timeout(state: StateTaskServiceCallback) -> float | None:
    """The task's HeartbeatSeconds or TimeoutSeconds when literal (the earlier one fires first)."""
    candidates = [
        getattr(state.timeout, "timeout_seconds", None),
        getattr(state.heartbeat, "heartbeat_seconds", None) if state.heartbeat else None,
    ]
    values = [float(value) for value in candidates if isinstance(value, int | float)]
    return min(values) if values else None


def register_state_machine(arn: str, names: tuple[str, ...]) -> None:
    """Names a MockConfigFile may use for the state machine at `arn` (physical name first)."""
    _state_machine_names[arn] = names


def aws_timestamp(moment: datetime.datetime | str) -> str:
    """`2026-11-22T18:00:00.000Z`: how Step Functions writes times into the context object."""
    if isinstance(moment, str):
        moment = datetime.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    utc = moment.astimezone(datetime.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def install() -> None:
    replace(ExecutionWorker, "_get_evaluation_environment", _build_root_environment)
    replace(CommonStateField, "_eval_body", _build_state_body)
    replace(state_module, "StateData", _build_state_data)
    replace(Execution, "start", _build_start)
    replace(BaseExecutionWorkerCommunication, "terminated", _build_terminated)
    replace(ContextObject, "update_task_token", _build_update_task_token)
    replace(StateTaskServiceCallback, "_eval_body", _build_callback_body)
    replace(StateTaskServiceCallback, "_assert_integration_pattern_is_supported", _build_pattern_check)
    replace(StateTaskServiceCallback, "_after_eval_execution", _build_after_call)
    for state_class in _execution_state_classes():
        replace(state_class, "_eval_execution", _build_eval_execution)


def _execution_state_classes() -> list[type[ExecutionState]]:
    found: list[type[ExecutionState]] = []
    pending: list[type] = [ExecutionState]
    while pending:
        current = pending.pop()
        for subclass in current.__subclasses__():
            pending.append(subclass)
            if "_eval_execution" in subclass.__dict__ and not getattr(
                subclass.__dict__["_eval_execution"], "__isabstractmethod__", False
            ):
                found.append(subclass)
    return found


def _build_root_environment(original: Callable[[ExecutionWorker], Environment]) -> Callable[..., Environment]:
    def root_environment(self: ExecutionWorker) -> Environment:
        env = original(self)
        execution = env.states.context_object.context_object_data["Execution"]
        execution["StartTime"] = aws_timestamp(execution["StartTime"])
        execution.setdefault("RedriveCount", 0)  # a redrive sets its count (redrive.py)
        run = tracking.run_for(self._evaluation_details.execution_details.arn)
        if run is None:
            return env
        run.timeline.started = time.monotonic()
        clock = Clock(timeline=run.timeline)
        run.clock = clock
        run.timeline.on_timeout = lambda: _time_out_execution(env)
        attach(env, clock, run)
        if run.mock_config is not None and run.test_case is not None:
            names = run.state_machine_names
            if run.mock_config.has_test_case(names, run.test_case):
                env.mock_test_case = run.mock_config.test_case(names, run.test_case)
        return env

    return root_environment


def _build_state_body(original: Callable[[Any, Environment], None]) -> Callable[..., None]:
    """Note the entering environment's clock: the state's EnteredTime is stamped right after."""

    def eval_body(self: CommonStateField, env: Environment) -> None:
        _entering.clock = clock_of(env)
        return original(self, env)

    return eval_body


def _build_state_data(original: type[StateData]) -> Callable[..., StateData]:
    def state_data(EnteredTime: str, Name: str) -> StateData:  # noqa: N803  (moto's keyword names)
        moment = datetime.datetime.fromisoformat(EnteredTime)
        clock = getattr(_entering, "clock", None)
        if clock is not None:
            moment += datetime.timedelta(seconds=clock.offset)
        return original(EnteredTime=aws_timestamp(moment), Name=Name)

    return state_data


def _build_start(original: Callable[[Execution], None]) -> Callable[..., None]:
    def start(self: Execution) -> None:
        scope = tracking.current_task()
        if scope is not None and tracking.run_for(self.exec_arn) is None:
            arn = self.state_machine.arn
            names = _state_machine_names.get(arn, (self.state_machine.name,))
            tracking.register(scope.run.child(self.exec_arn, names))
        original(self)

    return start


def _build_terminated(original: Callable[[BaseExecutionWorkerCommunication], None]) -> Callable[..., None]:
    def terminated(self: BaseExecutionWorkerCommunication) -> None:
        original(self)
        run = tracking.run_for(self.execution.exec_arn)
        if run is not None:
            run.finished.set()

    return terminated


def _build_update_task_token(original: Callable[[ContextObject], str]) -> Callable[..., str]:
    def update_task_token(self: ContextObject) -> str:
        token = original(self)
        data = self.context_object_data
        execution_arn = data["Execution"]["Id"]
        run = tracking.run_for(execution_arn)
        if run is not None:
            state = getattr(_entering, "state", None) or (data.get("State") or {}).get("Name", "")
            timeout = getattr(_entering, "timeout", None)
            run.record_token(
                tracking.TaskToken(
                    token=token, state=state, execution_arn=execution_arn, timeout_seconds=timeout
                )
            )
            env = getattr(_entering, "env", None)
            if env is not None:
                _waiting[token] = (env, timeout)
        return token

    return update_task_token


def _build_callback_body(original: Callable[[Any, Environment], None]) -> Callable[..., None]:
    """Note which state is being entered: its task token is issued before the state's context is."""

    def eval_body(self: StateTaskServiceCallback, env: Environment) -> None:
        previous = _entering.__dict__.copy()
        _entering.state, _entering.mocked, _entering.env = self.name, env.is_mocked_mode(), env
        _entering.timeout = _static_timeout(self)
        try:
            return original(self, env)
        finally:
            _entering.__dict__.clear()
            _entering.__dict__.update(previous)

    return eval_body


def _build_pattern_check(original: Callable[[Any], None]) -> Callable[..., None]:
    """Mocked states never call the service, so any integration pattern is fine for them."""

    def assert_supported(self: StateTaskServiceCallback) -> None:
        if getattr(_entering, "mocked", False):
            return
        try:
            original(self)
        except RuntimeError as error:
            raise RuntimeError(
                f"{error}: localrun cannot run this integration; answer state '{self.name}' "
                "from a MockConfigFile test case (mock_config=..., test_case=...)"
            ) from error

    return assert_supported


def _build_eval_execution(original: Callable[[Any, Environment], None]) -> Callable[..., None]:
    def eval_execution(self: Any, env: Environment) -> None:
        run = getattr(env, RUN_ATTRIBUTE, None)
        scope = tracking.current_task()
        if run is None or (scope is not None and scope.env is env):
            return original(self, env)
        state = env.states.context_object.context_object_data["State"]["Name"]
        injection = run.faults.for_state(state)
        if injection is not None and not injection.fault.ambiguous:
            raise _injected_failure(env, injection)
        with tracking.task_scope(tracking.TaskScope(run=run, state=state, env=env)):
            if injection is None:
                return original(self, env)
            _lose_response(self, env, injection, lambda: original(self, env))
            return None

    return eval_execution


def _lose_response(state: Any, env: Environment, injection: Injection, call: Callable[[], None]) -> None:
    """Perform the task's call for real, then fail the task as if its response had been lost.

    A task with an integration pattern (`.waitForTaskToken`, `.sync`) loses the response of the
    request that started the work: the token was handed out or the job started, and the task
    fails before it is recorded as submitted and starts waiting. Any other task (Lambda invoke,
    request-response SDK call) loses the call's result after the effect took place. Whatever
    the call answered (a result or its own error), the task sees only the injected error.
    """
    waits = isinstance(state, StateTaskServiceCallback) and state._is_integration_pattern()
    if waits:
        setattr(env, _LOST_RESPONSE, injection)
    try:
        call()
    except Exception as error:
        if waits and not hasattr(env, _LOST_RESPONSE):
            raise  # `_build_after_call` lost the response: the injected failure itself
        raise _injected_failure(env, injection) from error  # the call's own error is what got lost
    finally:
        if hasattr(env, _LOST_RESPONSE):
            delattr(env, _LOST_RESPONSE)
    raise _injected_failure(env, injection)


def _build_after_call(original: Callable[..., None]) -> Callable[..., None]:
    """The request of a `.waitForTaskToken`/`.sync` task went through: an ambiguous fault loses its
    response here, before the task is recorded as submitted and waits."""

    def after_eval_execution(self: StateTaskServiceCallback, env: Environment, **kwargs: Any) -> None:
        injection = getattr(env, _LOST_RESPONSE, None)
        if injection is None:
            return original(self, env=env, **kwargs)
        delattr(env, _LOST_RESPONSE)
        raise _injected_failure(env, injection)

    return after_eval_execution


def _injected_failure(env: Environment, injection: Injection) -> FailureEventException:
    return FailureEventException(
        FailureEvent(
            env=env,
            error_name=error_name(injection.fault.error),
            event_type=HistoryEventType.TaskFailed,
            event_details=EventDetails(
                taskFailedEventDetails=TaskFailedEventDetails(
                    error=injection.fault.error, cause=injection.cause
                )
            ),
        )
    )
