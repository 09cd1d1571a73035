"""CreateStateMachine/UpdateStateMachine refuse an invalid definition as Step Functions does.

- The error is `InvalidDefinition` ("The provided Amazon States Language definition is not
  valid": CreateStateMachine, Step Functions API Reference), its message naming the diagnostic
  code that ValidateStateMachineDefinition documents: `INVALID_JSON_DESCRIPTION` for a document
  that is not JSON, `SCHEMA_VALIDATION_FAILED` otherwise ("Invalid State Machine Definition:
  'SCHEMA_VALIDATION_FAILED: ...'"). moto raised an error with an empty code and its parser's text.
- Intrinsic functions: "The following characters are reserved for intrinsic functions and must be
  escaped with a backslash ('\\') if you want them to appear in the Value: ' { } and \\" (Intrinsic
  functions, Developer Guide). A backslash inside a string argument escapes only those; any other
  escape (`'a\\q'`) is refused (moto accepted it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from moto.core.exceptions import AWSError
from moto.stepfunctions.parser.api import InvalidDefinition as MotoInvalidDefinition
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from localrun.engine.overrides import replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/engine/test_definition_validation.py"

ESCAPABLE = frozenset("'{}\\")
_INTRINSIC_PREFIX = "States."


class InvalidDefinition(AWSError):
    TYPE = "InvalidDefinition"
    STATUS = 400


def install() -> None:
    replace(StepFunctionsParserBackend, "create_state_machine", _build_checked("definition"))
    replace(StepFunctionsParserBackend, "update_state_machine", _build_checked("definition"))


def diagnose(definition: str) -> str | None:
    """AWS's message for what is wrong in `definition` that moto's parser lets through (or None)."""
    try:
        document = json.loads(definition)
    except ValueError as error:
        return invalid("INVALID_JSON_DESCRIPTION", str(error))
    for location, field, value in _intrinsic_fields(document, ""):
        if not escapes_are_legal(value):
            return invalid(
                "SCHEMA_VALIDATION_FAILED",
                f"The value for the field '{field}' must be a valid JSONPath or a valid intrinsic "
                f"function call at {location}",
            )
    return None


def invalid(code: str, detail: str) -> str:
    return f"Invalid State Machine Definition: '{code}: {detail}'"


def escapes_are_legal(call: str) -> bool:
    """True if every backslash inside the call's quoted strings escapes a reserved character."""
    quoted = False
    index = 0
    while index < len(call):
        char = call[index]
        if quoted and char == "\\":
            if index + 1 >= len(call) or call[index + 1] not in ESCAPABLE:
                return False
            index += 2
            continue
        if char == "'":
            quoted = not quoted
        index += 1
    return True


def _intrinsic_fields(node: Any, location: str) -> Iterator[tuple[str, str, str]]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _intrinsic_fields(item, f"{location}/{index}")
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and key.endswith(".$") and value.startswith(_INTRINSIC_PREFIX):
                yield location or "/", key, value
            else:
                yield from _intrinsic_fields(value, f"{location}/{key}")


def _build_checked(parameter: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def build(original: Callable[..., Any]) -> Callable[..., Any]:
        def checked(self: StepFunctionsParserBackend, *args: Any, **kwargs: Any) -> Any:
            definition = kwargs.get(parameter)
            if isinstance(definition, str):
                problem = diagnose(definition)
                if problem is not None:
                    raise InvalidDefinition(problem)
            try:
                return original(self, *args, **kwargs)
            except MotoInvalidDefinition as refused:
                detail = getattr(refused, "message", None) or str(refused)
                raise InvalidDefinition(invalid("SCHEMA_VALIDATION_FAILED", detail)) from refused

        return checked

    return build
