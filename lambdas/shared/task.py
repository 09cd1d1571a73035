"""The task-handler contract: unwrap the Step Functions envelope and tag logs with the execution id.

`stacks.common.invoke_lambda` sends `{"input": ..., "executionId": ..., "stateName": ...}`;
`@task_handler` passes `input` to the wrapped function and makes the execution id the correlation id
of every log line, so one execution's logs can be followed across all of its tasks. Metrics carry the
`service` and `environment` dimensions, so environments sharing an account alarm apart.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.errors import InvalidInput

logger = Logger()
tracer = Tracer()
metrics = Metrics()

ENVIRONMENT_DIMENSION = "environment"

Result = TypeVar("Result")
TaskFunction = Callable[[dict[str, Any], LambdaContext], Result]


def task_handler(
    function: TaskFunction[Result],
) -> Callable[[Mapping[str, Any], LambdaContext], Result]:
    """Wrap a task function `(input, context) -> result` as a Lambda handler."""

    @functools.wraps(function)
    @metrics.log_metrics
    @tracer.capture_lambda_handler(capture_response=False)
    def handler(event: Mapping[str, Any], context: LambdaContext) -> Result:
        if not isinstance(event, Mapping) or not isinstance(event.get("input"), dict):
            raise InvalidInput("task event must be an object with an object 'input'")
        environment = os.environ.get("STEPWISE_ENV")
        if environment:
            metrics.set_default_dimensions(**{ENVIRONMENT_DIMENSION: environment})
        logger.set_correlation_id(event.get("executionId"))
        logger.append_keys(state=event.get("stateName"))
        return function(event["input"], context)

    return handler
