"""Task defaults every workflow gets: transient-error retries with jittered backoff, and timeouts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.common.task_function import PythonTaskFunction

LAMBDA_TRANSIENT_ERRORS: tuple[str, ...] = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)
TIMEOUT_MARGIN = Duration.seconds(10)


@dataclass(frozen=True)
class RetryPolicy:
    """A Retry rule: which errors, how often, and how the (fully jittered) backoff grows."""

    errors: Sequence[str]
    interval: Duration = field(default_factory=lambda: Duration.seconds(2))
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay: Duration = field(default_factory=lambda: Duration.seconds(30))

    def applied_to(self, state: sfn.TaskStateBase | sfn.Parallel | sfn.Map) -> None:
        state.add_retry(
            errors=list(self.errors),
            interval=self.interval,
            max_attempts=self.max_attempts,
            backoff_rate=self.backoff_rate,
            max_delay=self.max_delay,
            jitter_strategy=sfn.JitterType.FULL,
        )

    def with_errors(self, *errors: str) -> RetryPolicy:
        return replace(self, errors=(*self.errors, *errors))


LAMBDA_RETRY = RetryPolicy(LAMBDA_TRANSIENT_ERRORS)


def sdk_throttling_retry(service: str, *extra_errors: str) -> RetryPolicy:
    """Retry for an `aws-sdk:<service>` or optimized integration: throttling and 5xx of that service."""
    names = ("ThrottlingException", "TooManyRequestsException", "ServiceUnavailableException")
    return RetryPolicy(
        (*(f"{service}.{name}" for name in names), *extra_errors),
        interval=Duration.seconds(1),
        max_attempts=5,
    )


def invoke_lambda(
    scope: Construct,
    construct_id: str,
    task_function: PythonTaskFunction,
    *,
    payload: Mapping[str, Any] | None = None,
    result_path: str | None = "$",
    result_selector: Mapping[str, Any] | None = None,
    timeout: Duration | None = None,
    retry: RetryPolicy | None = LAMBDA_RETRY,
    comment: str | None = None,
) -> tasks.LambdaInvoke:
    """Invoke a task function with the execution id attached, a timeout and the standard retry.

    The handler receives `{"input": <payload or the state input>, "executionId": ..., "stateName": ...}`
    and its return value becomes the task result (placed by `result_path`).
    """
    task = tasks.LambdaInvoke(
        scope,
        construct_id,
        lambda_function=task_function.function,
        payload=sfn.TaskInput.from_object(
            {
                "input": dict(payload) if payload is not None else sfn.JsonPath.object_at("$"),
                "executionId": sfn.JsonPath.execution_id,
                "stateName": sfn.JsonPath.string_at("$$.State.Name"),
            }
        ),
        payload_response_only=True,
        retry_on_service_exceptions=False,
        result_path=result_path,
        result_selector=dict(result_selector) if result_selector else None,
        task_timeout=sfn.Timeout.duration(timeout or task_function.timeout.plus(TIMEOUT_MARGIN)),
        comment=comment,
    )
    if retry is not None:
        retry.applied_to(task)
    return task
