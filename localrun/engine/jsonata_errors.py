"""JSONata evaluation failures as Step Functions reports them (moto reports some as `States.Runtime`).

The Step Functions developer guide ("Transforming data with JSONata", "Error handling") and the API
reference (`EvaluationFailedEventDetails`: state, error, cause, location) say a JSONata expression
that fails records an `EvaluationFailed` history event and fails the state with
`States.QueryEvaluationError`. moto 5.2.5 does so only for an expression that returns nothing, and
its cause names neither the field nor the location. localrun:

- names the field in the cause (`The JSONata expression '$x' specified for the field 'Output'
  returned nothing (undefined).`), as Step Functions words its JSONPath errors (`The JSONPath '$.a'
  specified for the field 'a.$' ...`), and reports the field as the event's `location` (a key of
  an object template is the field, as `a.$` is for JSONPath);
- turns an expression that raises (an unknown function: `T1006: Attempted to invoke a
  non-function`, JSONata's own code and message) into the same `EvaluationFailed` +
  `States.QueryEvaluationError`, where moto fails `States.Runtime` with a Python exception's repr;
- fails a Wait state whose JSONata `Timestamp` is not a valid timestamp (a string of the wrong
  form, or no string at all) the same way.

The guide does not document the exact cause wording of these errors; localrun's is its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
from moto.stepfunctions.parser.asl.component.common.jsonata.jsonata_template_value import (
    JSONataTemplateValue,
)
from moto.stepfunctions.parser.asl.component.common.string.string_expression import StringJSONata
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.jsonata import validations
from moto.stepfunctions.parser.asl.jsonata.jsonata import JSONataException, eval_jsonata_expression

from localrun.engine.overrides import replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/engine/test_jsonata_errors.py"

# ASL fields that take JSONata, matched against the moto component evaluating them (its class name
# starts with the field's name: `ArgumentsStringJSONata`, `MaxConcurrencyJSONata`, ...).
_FIELDS = (
    "Arguments",
    "Output",
    "Assign",
    "Items",
    "ItemSelector",
    "Timestamp",
    "Seconds",
    "MaxConcurrency",
    "ToleratedFailureCount",
    "ToleratedFailurePercentage",
    "TimeoutSeconds",
    "HeartbeatSeconds",
    "Condition",
    "Credentials",
    "Error",
    "Cause",
)


def install() -> None:
    replace(JSONataTemplateValue, "_field_name", _keep_enclosing_field)
    replace(StringJSONata, "_eval_body", _build_eval)
    replace(Timestamp, "_create_failure_event", _build_timestamp_failure)
    replace(Timestamp, "_from_timestamp_string", _build_non_string_timestamp)
    replace(
        validations, "_validate_null_output", _build_check("$exists", bool, "returned nothing (undefined).")
    )
    replace(
        validations,
        "_validate_string_output",
        _build_check(
            "$type", validations._SUPPORTED_JSONATA_TYPES.__contains__, "returned an unsupported result type."
        ),
    )


def _keep_enclosing_field(original: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    """A template value is no field of its own: the enclosing field (or payload key) stays named."""

    def field_name(self: Any) -> str | None:
        return None

    return field_name


def field_of(env: Environment) -> str:
    """The state's field (or payload key) whose JSONata is evaluating."""
    name = env.next_field_name or ""
    return next((field for field in _FIELDS if name.startswith(field)), name)


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


def _build_eval(original: Callable[[StringJSONata, Environment], None]) -> Callable[..., None]:
    def eval_body(self: StringJSONata, env: Environment) -> None:
        try:
            original(self, env)
        except JSONataException as error:
            field = field_of(env)
            raise evaluation_failed(
                env,
                f"The JSONata expression '{self.expression}' specified for the field '{field}' "
                f"threw an error during evaluation. {error.details}",
                field,
            ) from error

    return eval_body


def _build_non_string_timestamp(original: staticmethod) -> staticmethod:  # type: ignore[type-arg]
    """A timestamp that is no string is no valid timestamp (moto raised a TypeError: States.Runtime)."""

    def from_timestamp_string(timestamp: Any) -> Any:
        return original.__func__(timestamp) if isinstance(timestamp, str) else None

    return staticmethod(from_timestamp_string)


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


def _build_check(probe: str, passes: Callable[[Any], bool], outcome: str) -> Callable[[Any], Any]:
    """moto's output check (`probe` of the expression must pass), its cause naming field and location."""

    def build(original: Callable[[Environment, str, str], None]) -> Callable[[Environment, str, str], None]:
        def check(env: Environment, expression: str, rich_jsonata_expression: str) -> None:
            if passes(eval_jsonata_expression(f"{probe}({rich_jsonata_expression})")):
                return
            field = field_of(env)
            error_name = StatesErrorName(typ=StatesErrorNameType.StatesQueryEvaluationError)
            details = EvaluationFailedEventDetails(
                error=error_name.error_name,
                cause=f"The JSONata expression '{expression}' specified for the field '{field}' {outcome}",
                location=field,
            )
            # raised without an event: moto's caller records EvaluationFailed from these details
            raise FailureEventException(
                FailureEvent(
                    env=env,
                    error_name=error_name,
                    event_type=HistoryEventType.EvaluationFailed,
                    event_details=EventDetails(evaluationFailedEventDetails=details),
                )
            )

        return check

    return build
