"""DynamoDB table names validated as documented; unmodeled DynamoDB errors named as Step Functions names them.

- "Table names and index names must be between 3 and 255 characters long, and can contain only the
  following characters: a-z, A-Z, 0-9, _ (underscore), - (dash), . (dot)" ("Supported data types
  and naming rules in Amazon DynamoDB", DynamoDB Developer Guide). A request naming an invalid
  table (not an ARN) is refused with `ValidationException` in the form of AWS's request
  validation ("1 validation error detected: Value 'x' at 'tableName' failed to satisfy
  constraint: ..."); moto answered `ResourceNotFoundException`.
- The optimized DynamoDB integration names an error `DynamoDB.<code>` only for the exceptions the
  DynamoDB API models (its service model's error shapes, from which the AWS SDK for Java's
  exception classes are generated); any other code, such as the common `ValidationException`,
  is the SDK's `DynamoDB.AmazonDynamoDBException`, the code staying in the cause ("Error Code:
  ValidationException"). moto used `DynamoDB.<code>` for every code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import botocore.session
from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.models import DynamoDBBackend
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb import (  # noqa: E501
    StateTaskServiceDynamoDB,
)

from localrun.engine.overrides import replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/engine/test_service_emulation.py"

UNMODELED_ERROR = "DynamoDB.AmazonDynamoDBException"
_PATTERN = "[a-zA-Z0-9_.-]+"
_MIN, _MAX = 3, 255


def install() -> None:
    replace(DynamoDBBackend, "get_table", _build_get_table)
    replace(StateTaskServiceDynamoDB, "_error_cause_from_client_error", _build_error_cause)


def table_name_violations(name: str) -> list[str]:
    """What is wrong with `name` as a table name, in AWS's constraint wording (empty if valid)."""
    if name.startswith("arn:"):
        return []
    violations = []
    if not re.fullmatch(_PATTERN, name):
        violations.append(f"Member must satisfy regular expression pattern: {_PATTERN}")
    if len(name) < _MIN:
        violations.append(f"Member must have length greater than or equal to {_MIN}")
    if len(name) > _MAX:
        violations.append(f"Member must have length less than or equal to {_MAX}")
    return violations


def validation_message(name: str, violations: list[str]) -> str:
    count = len(violations)
    detected = f"{count} validation error{'s' if count > 1 else ''} detected: "
    return detected + "; ".join(
        f"Value '{name}' at 'tableName' failed to satisfy constraint: {violation}" for violation in violations
    )


@functools.cache
def modeled_errors() -> frozenset[str]:
    """The error codes the DynamoDB API models as exceptions of their own."""
    model = botocore.session.get_session().get_service_model("dynamodb")
    return frozenset(shape.name for shape in model.error_shapes)


def _build_get_table(original: Callable[..., Any]) -> Callable[..., Any]:
    def get_table(self: DynamoDBBackend, table_name: str) -> Any:
        violations = table_name_violations(table_name) if table_name not in self.tables else []
        if violations:
            raise MockValidationException(validation_message(table_name, violations))
        return original(self, table_name)

    return get_table


def _build_error_cause(original: staticmethod) -> staticmethod:  # type: ignore[type-arg]
    def error_cause(client_error: Any) -> tuple[str, str]:
        error, cause = original.__func__(client_error)
        if client_error.response["Error"]["Code"] not in modeled_errors():
            error = UNMODELED_ERROR
        return error, cause

    return staticmethod(error_cause)
