"""Execution history details as AWS records them where moto's differ.

- A failure that ends the execution outright is recorded once, as `ExecutionFailed`. A Task whose
  `TimeoutSecondsPath`/`HeartbeatSecondsPath` or Parameters path selects nothing (`States.Runtime`:
  "isn't retriable, and will always cause the execution to fail", Developer Guide, "Error
  handling") never reaches the service: the history goes from `TaskStateEntered` straight to one
  `ExecutionFailed`, with no `TaskFailed` (a task that was never scheduled did not fail); a
  ResultSelector path that selects nothing goes from `TaskSucceeded` to `ExecutionFailed`. The
  cause names the event that entered the state ("... (entered at the event id #2)"; moto named
  the latest event) and, for a Parameters/ResultSelector path, the field ("The JSONPath '$.queue'
  specified for the field 'QueueUrl.$' could not be found in the input '{}'", as AWS words its
  JSONPath errors; moto left the field out). moto recorded a `TaskFailed`, or a second
  `ExecutionFailed`, first. Inside a Parallel branch or Map iteration the branch ends the same
  way, and its state fails as before.
- An `EvaluationFailed` is recorded once per failure: a JSONata expression failing in a Task or
  Map field was recorded where it failed and again by the state.
- A Map state whose items are not an array fails with "Map state input must be an array but was:
  <the value as JSON>" (moto wrote the Python type, `<class 'int'>`), for the state input and for
  the value `ItemsPath` selects alike: the Developer Guide documents neither wording, which
  follows AWS's message for the state input.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.stepfunctions.parser.api import (
    EvaluationFailedEventDetails,
    ExecutionFailedEventDetails,
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
from moto.stepfunctions.parser.asl.component.common.path.items_path import ItemsPath
from moto.stepfunctions.parser.asl.component.common.payload.payloadvalue.payloadbinding import (
    payload_binding,
)
from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventHistoryContext, EventManager
from moto.stepfunctions.parser.asl.utils.encoding import to_json_str
from moto.stepfunctions.parser.asl.utils.json_path import NoSuchJsonPathError

from localrun.engine.overrides import replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/engine/test_history_details.py"

_DECORATION = "An error occurred while executing the state '"
_RUNTIME = StatesErrorNameType.StatesRuntime.to_name()
_FIELD = "_localrun_field"


def install() -> None:
    replace(ExecutionState, "_evaluate_with_timeout", _build_evaluate_with_timeout)
    replace(ItemsPath, "_eval_body", _build_items_path)
    replace(payload_binding.PayloadBindingStringExpressionSimple, "_eval_val", _build_binding_value)


def not_an_array(value: Any) -> str:
    """AWS's cause for Map items that are not an array."""
    return f"Map state input must be an array but was: {json.dumps(value)}"


def is_repeated_evaluation_failure(
    manager: EventManager, context: EventHistoryContext, event_type: Any, details: Any
) -> bool:
    """True for an `EvaluationFailed` the same context has just recorded (same error and cause)."""
    if event_type != HistoryEventType.EvaluationFailed or not details:
        return False
    last_id = context.last_published_event_id
    events = manager._history_event_list
    if not 0 < last_id <= len(events):
        return False
    last = events[last_id - 1]
    if last.get("id") != last_id or last.get("type") != HistoryEventType.EvaluationFailed:
        return False
    previous = last.get("evaluationFailedEventDetails") or {}
    current = details.get("evaluationFailedEventDetails") or {}
    return previous.get("error") == current.get("error") and _plain(previous.get("cause")) == _plain(
        current.get("cause")
    )


def path_not_found(error: NoSuchJsonPathError) -> str:
    """AWS's cause for a payload template path that selects nothing, naming the field when known."""
    field = getattr(error, _FIELD, None)
    where = f" specified for the field '{field}'" if field else ""
    return (
        f"The JSONPath '{error.json_path}'{where} could not be found in the input '{to_json_str(error.data)}'"
    )


def _plain(cause: Any) -> Any:
    """The cause without moto's "An error occurred while executing the state ..." prefix."""
    if isinstance(cause, str) and cause.startswith(_DECORATION):
        return cause.split("). ", 1)[-1]
    return cause


def _ends_execution(
    state: ExecutionState, env: Environment, error: Exception
) -> ExecutionFailedEventDetails | None:
    """The ExecutionFailed details of a Task failure AWS records only as the end of its execution
    (or of its Parallel branch or Map iteration), or None."""
    if not isinstance(state, StateTask):
        return None
    if isinstance(error, NoSuchJsonPathError):
        event = FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=StatesErrorNameType.StatesRuntime),
            event_type=HistoryEventType.ExecutionFailed,
            event_details=EventDetails(
                executionFailedEventDetails=ExecutionFailedEventDetails(
                    error=_RUNTIME, cause=path_not_found(error)
                )
            ),
        )
        event.source_event_id = _entered_event_id(env, state.name, event.source_event_id)  # type: ignore[misc]
        return FailureEventException(event).get_execution_failed_event_details()
    if (
        isinstance(error, FailureEventException)
        and error.failure_event.event_type == HistoryEventType.ExecutionFailed
    ):
        return error.get_execution_failed_event_details()
    return None


def _entered_event_id(env: Environment, state_name: str, default: int) -> int:
    """The id of the event that entered `state_name` last (the cause's "entered at the event id")."""
    for event in reversed(env.event_manager._history_event_list):
        details = event.get("stateEnteredEventDetails")
        if details is not None and details.get("name") == state_name:
            return int(event["id"])
    return default


def _build_evaluate_with_timeout(
    original: Callable[[ExecutionState, Environment], None],
) -> Callable[..., None]:
    def evaluate_with_timeout(self: ExecutionState, env: Environment) -> None:
        try:
            return original(self, env)
        except Exception as error:
            details = _ends_execution(self, env, error)
            if details is None:
                raise
            env.set_error(details)  # the program (branch, iteration) ends with it; no state-level event
            return None

    return evaluate_with_timeout


def _build_binding_value(original: Callable[..., Any]) -> Callable[..., Any]:
    """Note on a path that selects nothing the template field it was bound to (`QueueUrl.$`)."""

    def eval_val(self: payload_binding.PayloadBindingStringExpressionSimple, env: Environment) -> Any:
        try:
            return original(self, env)
        except NoSuchJsonPathError as error:
            if getattr(error, _FIELD, None) is None:
                setattr(error, _FIELD, self._field_name())
            raise

    return eval_val


def _build_items_path(original: Callable[[ItemsPath, Environment], None]) -> Callable[..., None]:
    def eval_body(self: ItemsPath, env: Environment) -> None:
        original(self, env)
        items = env.stack[-1]
        if isinstance(items, list):
            return
        error_name = StatesErrorName(typ=StatesErrorNameType.StatesQueryEvaluationError)
        raise FailureEventException(
            FailureEvent(
                env=env,
                error_name=error_name,
                event_type=HistoryEventType.EvaluationFailed,
                event_details=EventDetails(
                    evaluationFailedEventDetails=EvaluationFailedEventDetails(
                        error=error_name.error_name, cause=not_an_array(items)
                    )
                ),
            )
        )

    return eval_body
