"""JSONata evaluation failures as Step Functions reports them (moto reports some as `States.Runtime`).

The Step Functions developer guide ("Transforming data with JSONata", "Error handling") and the API
reference (`EvaluationFailedEventDetails`: state, error, cause, location) say a JSONata expression
that fails records an `EvaluationFailed` history event and fails the state with
`States.QueryEvaluationError`. localrun:

- fails a Wait state whose JSONata `Timestamp` is not a valid timestamp ("Wait workflow state":
  the expression must result in an RFC 3339 string such as `2024-08-18T17:33:00Z`) that way, where
  moto fails it with `States.Runtime` and no `EvaluationFailed` event.

The guide does not document the exact cause wording of these errors; localrun's is its own.
"""

from __future__ import annotations

from collections.abc import Callable

from moto.stepfunctions.parser.api import EvaluationFailedEventDetails, HistoryEventType
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
from moto.stepfunctions.parser.asl.component.common.string.string_expression import StringJSONata
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

from localrun.engine.overrides import replace


def install() -> None:
    replace(Timestamp, "_create_failure_event", _build_timestamp_failure)


def evaluation_failed(env: Environment, cause: str, field: str | None = None) -> FailureEventException:
    """Record `EvaluationFailed` and return the `States.QueryEvaluationError` to raise."""
    error_name = StatesErrorName(typ=StatesErrorNameType.StatesQueryEvaluationError)
    details = EvaluationFailedEventDetails(error=error_name.error_name, cause=cause)
    if field:
        details["location"] = field
    failure = FailureEventException(
        FailureEvent(
            env=env,
            error_name=error_name,
            event_type=HistoryEventType.EvaluationFailed,
            event_details=EventDetails(evaluationFailedEventDetails=details),
        )
    )
    env.event_manager.add_event(
        context=env.event_history_context,
        event_type=HistoryEventType.EvaluationFailed,
        event_details=EventDetails(
            evaluationFailedEventDetails=failure.get_evaluation_failed_event_details()
        ),
    )
    return failure


def _build_timestamp_failure(original: Callable[..., FailureEvent]) -> Callable[..., FailureEvent]:
    """A JSONata `Timestamp` that is no valid timestamp: EvaluationFailed, States.QueryEvaluationError."""

    def create_failure_event(self: Timestamp, env: Environment, timestamp_str: str) -> FailureEvent:
        if not isinstance(self.string, StringJSONata):
            return original(self, env, timestamp_str)
        return evaluation_failed(
            env,
            f"The JSONata expression '{self.string.expression}' specified for the field 'Timestamp' "
            "returned a value that is not a valid ISO-8601 extended offset date-time format string "
            f"(for example 2024-08-18T17:33:00Z): {timestamp_str!r}",
            "Timestamp",
        ).failure_event

    return create_failure_event
