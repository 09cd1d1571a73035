"""Virtual time in moto's interpreter: clocks on environments, Wait/Retry without sleeping.

A Wait longer than Step Functions allows fails the execution with States.Runtime ("Wait state
delay is too long") instead of passing in virtual time: "the maximum wait time that you can
specify for Standard Workflows and Express workflows is one year and five minutes respectively"
(Wait workflow state, Step Functions Developer Guide).
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

from moto.stepfunctions.parser.api import (
    ExecutionFailedEventDetails,
    ExecutionTimedOutEventDetails,
    HistoryEventType,
)
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
    StatesErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.common.retry.max_attempts_decl import (
    MaxAttemptsOutcome,
)
from moto.stepfunctions.parser.asl.component.common.retry.retrier_decl import RetrierDecl
from moto.stepfunctions.parser.asl.component.common.retry.retrier_outcome import RetrierOutcome
from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
from moto.stepfunctions.parser.asl.component.program.program import Program
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
    WaitFunction,
)
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager

from localrun.clock import Clock
from localrun.engine.history_details import is_repeated_evaluation_failure
from localrun.engine.overrides import replace

OVERRIDE_KIND = "wiring"
OVERRIDE_TEST = "tests/localrun/engine/test_timekeeping.py"

_TIMEOUT_POLL_SECONDS = 0.01
MAX_WAIT_SECONDS_STANDARD = 365 * 24 * 3600  # one year
MAX_WAIT_SECONDS_EXPRESS = 5 * 60
CLOCK_ATTRIBUTE = "_localrun_clock"
RUN_ATTRIBUTE = "_localrun_run"


def clock_of(holder: Any) -> Clock | None:
    return getattr(holder, CLOCK_ATTRIBUTE, None)


def attach(env: Environment, clock: Clock, run: Any) -> None:
    """Give `env` (and its event context, which stamps history events) a clock and run."""
    setattr(env, CLOCK_ATTRIBUTE, clock)
    setattr(env, RUN_ATTRIBUTE, run)
    setattr(env.event_history_context, CLOCK_ATTRIBUTE, clock)


def install() -> None:
    replace(Environment, "as_inner_frame_of", _build_frame)
    replace(Environment, "close_frame", _build_merge)
    replace(Environment, "delete_frame", _build_merge)
    replace(WaitFunction, "_wait_interval", _build_wait)
    replace(Timestamp, "_get_wait_seconds", _build_timestamp_seconds)
    replace(RetrierDecl, "_eval_body", _build_retrier)
    replace(EventManager, "add_event", _build_add_event)
    replace(Program, "eval", _build_program_eval)


def _build_frame(original: classmethod) -> classmethod:  # type: ignore[type-arg]
    create = original.__func__

    def as_inner_frame_of(cls: type[Environment], env: Environment, *args: Any, **kwargs: Any) -> Environment:
        frame = create(cls, env, *args, **kwargs)
        clock = clock_of(env)
        if clock is not None:
            child = clock.child()
            setattr(frame, CLOCK_ATTRIBUTE, child)
            setattr(frame, RUN_ATTRIBUTE, getattr(env, RUN_ATTRIBUTE, None))
            if frame.event_history_context is not env.event_history_context:
                setattr(frame.event_history_context, CLOCK_ATTRIBUTE, child)
        return frame

    return classmethod(as_inner_frame_of)


def _build_merge(original: Callable[[Environment, Environment], None]) -> Callable[..., None]:
    def close(self: Environment, frame: Environment) -> None:
        original(self, frame)
        parent, child = clock_of(self), clock_of(frame)
        if parent is not None and child is not None and parent is not child:
            parent.merge(child)

    return close


def _build_wait(original: Callable[..., None]) -> Callable[..., None]:
    def wait_interval(self: WaitFunction, env: Environment, wait_seconds: int) -> None:
        clock = clock_of(env)
        if clock is None:
            return original(self, env, wait_seconds)
        if isinstance(self, Timestamp):
            wait_seconds = wait_seconds - clock.offset
        limit = MAX_WAIT_SECONDS_STANDARD if env.is_standard_workflow() else MAX_WAIT_SECONDS_EXPRESS
        if wait_seconds > limit:
            raise _delay_too_long(env)
        if wait_seconds > 0 and env.is_running():
            clock.sleep(wait_seconds)
        return None

    return wait_interval


def _build_timestamp_seconds(original: Callable[..., int]) -> Callable[..., float]:
    """Seconds until a Wait's Timestamp, exact and in UTC: moto truncates them to whole seconds (the
    Wait then ends up to a second early) and compares with the machine's local time (off by its UTC
    offset outside UTC). AWS waits until the timestamp (its sub-seconds dropped)."""

    def get_wait_seconds(self: Timestamp, env: Environment) -> float:
        self.string.eval(env=env)
        text: str = env.stack.pop()
        timestamp = self._from_timestamp_string(timestamp=text)
        if timestamp is None:
            raise FailureEventException(self._create_failure_event(env, text))
        moment = timestamp if timestamp.tzinfo else timestamp.replace(tzinfo=datetime.UTC)
        return (moment - datetime.datetime.now(datetime.UTC)).total_seconds()

    return get_wait_seconds


def _delay_too_long(env: Environment) -> FailureEventException:
    error = StatesErrorNameType.StatesRuntime
    return FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=error),
            event_type=HistoryEventType.ExecutionFailed,
            event_details=EventDetails(
                executionFailedEventDetails=ExecutionFailedEventDetails(
                    error=error.to_name(), cause="Wait state delay is too long"
                )
            ),
        )
    )


def _build_retrier(original: Callable[[RetrierDecl, Environment], None]) -> Callable[..., None]:
    def eval_body(self: RetrierDecl, env: Environment) -> None:
        clock = clock_of(env)
        if clock is None:
            return original(self, env)
        self.error_equals.eval(env)
        if not env.stack.pop():
            env.stack.append(RetrierOutcome.Skipped)
            return None
        self.max_attempts.eval(env=env)
        if env.stack.pop() == MaxAttemptsOutcome.EXHAUSTED:
            env.stack.append(RetrierOutcome.Failed)
            return None
        self.interval_seconds.eval(env=env)
        self.backoff_rate.eval(env=env)
        self.max_delay_seconds.eval(env=env)
        self.jitter_strategy.eval(env=env)
        clock.sleep(env.stack.pop())
        run = getattr(env, RUN_ATTRIBUTE, None)
        if run is not None:
            run.count_retry()
        env.stack.append(RetrierOutcome.Executed)
        return None

    return eval_body


def _build_add_event(original: Callable[..., int]) -> Callable[..., int]:
    def add_event(self: EventManager, context: Any, *args: Any, **kwargs: Any) -> int:
        event_type = kwargs.get("event_type", args[0] if args else None)
        details = kwargs.get("event_details", args[1] if len(args) > 1 else None)
        if is_repeated_evaluation_failure(self, context, event_type, details):
            return int(context.last_published_event_id)
        clock = clock_of(context)
        if clock is not None and kwargs.get("timestamp") is None and len(args) < 3:
            kwargs["timestamp"] = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(
                seconds=clock.offset
            )
        return original(self, context, *args, **kwargs)

    return add_event


def _build_program_eval(original: Callable[[Program, Environment], None]) -> Callable[..., None]:
    def program_eval(self: Program, env: Environment) -> None:
        clock = clock_of(env)
        if clock is None or env.is_frame():
            return original(self, env)
        timeline = clock.timeline
        if self.timeout_seconds is not None:
            timeline.deadline_seconds = float(self.timeout_seconds.timeout_seconds)
        env.next_state_name = self.start_at.start_at_name
        worker = threading.Thread(target=EvalComponent.eval, args=(self, env), daemon=True)
        worker.start()
        while worker.is_alive() and not timeline.timed_out:
            worker.join(_TIMEOUT_POLL_SECONDS)
        if timeline.timed_out:
            worker.join(_TIMEOUT_POLL_SECONDS * 10)
            if worker.is_alive():  # blocked in a task: record the timeout for it, as AWS does
                env.event_manager.add_event(
                    context=env.event_history_context,
                    event_type=HistoryEventType.ExecutionTimedOut,
                    event_details=EventDetails(executionTimedOutEventDetails=ExecutionTimedOutEventDetails()),
                )
        return None

    return program_eval
