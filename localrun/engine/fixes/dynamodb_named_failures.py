"""A failure the interpreter already named keeps its name in an optimized DynamoDB task.

The optimized DynamoDB integration turned every error that is not a botocore ClientError into
`DynamoDB.AmazonDynamoDBException`, including a fault localrun injects into the state
(`Fault(state=..., error="DynamoDB.ProvisionedThroughputExceededException")`), so Retry/Catch saw
another name than the one the service (and every other task type) reports.

Upstream: no moto issue found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb import (  # noqa: E501
    StateTaskServiceDynamoDB,
)
from moto.stepfunctions.parser.asl.eval.environment import Environment

from localrun.engine.overrides import replace

OVERRIDE_KIND = "fix"
OVERRIDE_TEST = "tests/localrun/engine/fixes/test_dynamodb_named_failures.py"


def install() -> None:
    replace(StateTaskServiceDynamoDB, "_from_error", _build_named_failures_pass)


def _build_named_failures_pass(original: Callable[..., FailureEvent]) -> Callable[..., FailureEvent]:
    def from_error(self: Any, env: Environment, ex: Exception) -> FailureEvent:
        if isinstance(ex, FailureEventException):
            return ex.failure_event
        return original(self, env, ex)

    return from_error
