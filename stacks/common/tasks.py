"""Task defaults every workflow gets: transient-error retries with jittered backoff, and timeouts."""

from __future__ import annotations

import math
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
    jitter: bool = True

    def applied_to(self, state: sfn.TaskStateBase | sfn.Parallel | sfn.Map) -> None:
        state.add_retry(
            errors=list(self.errors),
            interval=self.interval,
            max_attempts=self.max_attempts,
            backoff_rate=self.backoff_rate,
            max_delay=self.max_delay,
            jitter_strategy=sfn.JitterType.FULL if self.jitter else sfn.JitterType.NONE,
        )

    def with_errors(self, *errors: str) -> RetryPolicy:
        """This policy retrying `errors` too (a state's own transient errors)."""
        return replace(self, errors=(*self.errors, *errors))

    def without_errors(self, *errors: str) -> RetryPolicy:
        """This policy not retrying `errors` (a call for which a retry of them is unsafe)."""
        unknown = set(errors) - set(self.errors)
        if unknown:
            raise UnknownRetryError(f"{sorted(unknown)} are not retried by this policy: {list(self.errors)}")
        return replace(self, errors=tuple(error for error in self.errors if error not in errors))

    def with_attempts(self, max_attempts: int) -> RetryPolicy:
        """This policy with another attempt budget (a state with a tight time budget)."""
        return replace(self, max_attempts=max_attempts)


class UnknownRetryError(ValueError):
    """`without_errors` named an error the policy does not retry: the table changed under the caller."""


LAMBDA_RETRY = RetryPolicy(LAMBDA_TRANSIENT_ERRORS)


def never_retried(state: sfn.TaskStateBase | sfn.Parallel | sfn.Map, *errors: str) -> None:
    """A `MaxAttempts: 0` retrier: `errors` are final, even for a broader retrier added after it
    (Step Functions uses the first retrier whose ErrorEquals matches)."""
    state.add_retry(errors=list(errors), max_attempts=0)


IN_PROGRESS_ERROR = "IdempotencyAlreadyInProgressError"


def outlasting_retry(errors: Sequence[str], duration: Duration, *, attempts: int = 3) -> RetryPolicy:
    """Retry `errors` without jitter, with backoff that adds up to at least `duration`.

    For an error that means "an earlier attempt is still running" (Powertools'
    `IdempotencyAlreadyInProgressError` while an invocation whose response was lost still runs):
    the retries must outlast that invocation's timeout, so the last one finds its result or an
    expired in-progress record. Full jitter could shrink the waits to nothing, so none is applied.
    """
    seconds = duration.to_seconds()
    steps = sum(2**step for step in range(attempts))
    interval = max(1, math.ceil(seconds / steps))
    return RetryPolicy(
        tuple(errors),
        interval=Duration.seconds(interval),
        max_attempts=attempts,
        backoff_rate=2.0,
        max_delay=Duration.seconds(interval * 2 ** (attempts - 1)),
        jitter=False,
    )


def sdk_throttling_retry(service: str, *extra_errors: str) -> RetryPolicy:
    """Retry for an `aws-sdk:<service>` or optimized integration: throttling and 5xx of that service."""
    names = ("ThrottlingException", "TooManyRequestsException", "ServiceUnavailableException")
    return RetryPolicy(
        (*(f"{service}.{name}" for name in names), *extra_errors),
        interval=Duration.seconds(1),
        max_attempts=5,
    )


# One retry table per service a state machine calls directly: its throttling, its modeled 5xx and
# its SDK's transient errors. A state that needs another set says so with `.with_errors(...)`,
# `.without_errors(...)` or `.with_attempts(...)` where it applies the table. Step Functions names
# a service error `<Service>.<Error>` with the `Exception` suffix added when the service's own name
# lacks it (developer guide, "AWS SDK service integrations"): `RequestLimitExceeded` is reported as
# `DynamoDB.RequestLimitExceededException`.
DYNAMODB_RETRY = sdk_throttling_retry(
    "DynamoDB",
    "DynamoDB.ProvisionedThroughputExceededException",
    "DynamoDB.RequestLimitExceededException",
    "DynamoDB.InternalServerErrorException",
)
SNS_RETRY = sdk_throttling_retry(
    "SNS", "SNS.ThrottledException", "SNS.InternalErrorException", "SNS.KMSThrottlingException"
)
SQS_RETRY = sdk_throttling_retry("SQS", "SQS.RequestThrottledException", "SQS.KmsThrottledException")
# `FailedEntry`: PutEvents answered with a failed entry (throttled or internal, per entry).
EVENTBRIDGE_RETRY = sdk_throttling_retry(
    "EventBridge",
    "EventBridge.InternalException",
    "EventBridge.FailedEntry",
    "EventBridge.AmazonEventBridgeException",
    "EventBridge.SdkClientException",
)
# S3 throttles with `SlowDown` (503), reported as `S3.SlowDownException`.
S3_RETRY = sdk_throttling_retry("S3", "S3.SlowDownException", "S3.S3Exception", "S3.SdkClientException")
CLOUDWATCH_RETRY = sdk_throttling_retry("CloudWatch", "CloudWatch.InternalServiceFaultException")
ORGANIZATIONS_RETRY = sdk_throttling_retry(
    "Organizations",
    "Organizations.ConcurrentModificationException",
    "Organizations.ServiceException",
)
CLOUDFORMATION_RETRY = sdk_throttling_retry("CloudFormation", "CloudFormation.StaleRequestException")
SAGEMAKER_RETRY = sdk_throttling_retry("SageMaker")


def invoke_lambda(
    scope: Construct,
    construct_id: str,
    task_function: PythonTaskFunction,
    *,
    payload: Mapping[str, Any] | None = None,
    result_path: str | None = "$",
    result_selector: Mapping[str, Any] | None = None,
    output_path: str | None = None,
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
        payload=task_payload(dict(payload) if payload is not None else sfn.JsonPath.object_at("$")),
        payload_response_only=True,
        retry_on_service_exceptions=False,
        result_path=result_path,
        result_selector=dict(result_selector) if result_selector else None,
        output_path=output_path,
        task_timeout=sfn.Timeout.duration(timeout or task_function.timeout.plus(TIMEOUT_MARGIN)),
        comment=comment,
    )
    if retry is not None:
        retry.applied_to(task)
    return task


def await_task_token(
    scope: Construct,
    construct_id: str,
    task_function: PythonTaskFunction,
    *,
    payload: Mapping[str, Any],
    timeout: Duration,
    result_path: str,
    comment: str,
) -> tasks.LambdaInvoke:
    """Invoke a task function with a task token (`input.taskToken`) and wait for its answer.

    The execution waits until someone calls SendTaskSuccess/Failure with the token or `timeout`
    passes (`States.Timeout`); the invocation itself gets the standard retry.
    """
    task = tasks.LambdaInvoke(
        scope,
        construct_id,
        lambda_function=task_function.function,
        integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload=task_payload({**payload, "taskToken": sfn.JsonPath.task_token}),
        retry_on_service_exceptions=False,
        result_path=result_path,
        task_timeout=sfn.Timeout.duration(timeout),
        comment=comment,
    )
    LAMBDA_RETRY.applied_to(task)
    return task


def task_payload(task_input: Any) -> sfn.TaskInput:
    """What every task function receives: `{"input": ..., "executionId": ..., "stateName": ...}`."""
    return sfn.TaskInput.from_object(
        {
            "input": task_input,
            "executionId": sfn.JsonPath.execution_id,
            "stateName": sfn.JsonPath.string_at("$$.State.Name"),
        }
    )
