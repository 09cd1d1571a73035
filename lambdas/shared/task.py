"""The task-handler contract: unwrap the Step Functions envelope, with Powertools as documented.

`stacks.common.invoke_lambda` sends `{"input": ..., "executionId": ..., "stateName": ...}`;
`@task_handler` passes `input` to the wrapped function. Every log line of an invocation carries the
Lambda context (`function_request_id`, `cold_start`, ...) and the execution id as correlation id, so
one execution's logs can be followed across all of its tasks (`execution_id()` returns it to the
task); keys appended during an invocation are cleared before the next one (`clear_state=True`). It
never logs the event: inputs can carry customer data. Metrics carry the `service` and `environment`
dimensions, so environments sharing an account alarm apart, and are published only by invocations
that emitted some (Powertools' `log_metrics` would warn "No application metrics to publish" on the
others).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.errors import InvalidInput

logger = Logger()
tracer = Tracer()
metrics = Metrics()

ENVIRONMENT_DIMENSION = "environment"
_execution_id: ContextVar[str | None] = ContextVar("stepwise_execution_id", default=None)

type TaskFunction[Result] = Callable[[dict[str, Any], LambdaContext], Result]
# The envelope's execution id (`$$.Execution.Id`), the correlation id of the invocation's log lines.
CORRELATION_ID_PATH = "executionId"


def task_handler[Result](
    function: TaskFunction[Result],
) -> Callable[[Mapping[str, Any], LambdaContext], Result]:
    """Wrap a task function `(input, context) -> result` as a Lambda handler."""

    @functools.wraps(function)
    @logger.inject_lambda_context(clear_state=True, correlation_id_path=CORRELATION_ID_PATH)
    @tracer.capture_lambda_handler(capture_response=False)
    def handler(event: Mapping[str, Any], context: LambdaContext) -> Result:
        if not isinstance(event, Mapping) or not isinstance(event.get("input"), dict):
            raise InvalidInput("task event must be an object with an object 'input'")
        environment = os.environ.get("STEPWISE_ENV")
        if environment and metrics.default_dimensions.get(ENVIRONMENT_DIMENSION) != environment:
            metrics.set_default_dimensions(**{ENVIRONMENT_DIMENSION: environment})  # once per environment
        execution = event.get("executionId")
        logger.append_keys(state=event.get("stateName"))
        token = _execution_id.set(execution if isinstance(execution, str) else None)
        try:
            return function(event["input"], context)
        finally:
            _execution_id.reset(token)
            publish_metrics()

    return handler


def publish_metrics() -> None:
    """Flush the metrics the invocation emitted, if any (what `log_metrics` does, without its warning)."""
    if metrics.metric_set:
        metrics.flush_metrics()


def execution_id() -> str:
    """The id of the execution whose task is being handled (the envelope's `executionId`)."""
    current = _execution_id.get()
    if current is None:
        raise InvalidInput("task event must carry the string 'executionId' of its execution")
    return current
