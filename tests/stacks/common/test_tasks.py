import pytest

from stacks.common.tasks import (
    CLOUDFORMATION_RETRY,
    CLOUDWATCH_RETRY,
    DYNAMODB_RETRY,
    EVENTBRIDGE_RETRY,
    ORGANIZATIONS_RETRY,
    S3_RETRY,
    SAGEMAKER_RETRY,
    SNS_RETRY,
    SQS_RETRY,
    RetryPolicy,
    UnknownRetryError,
)
from tests.support.probe import probe_template
from tests.support.synth import definitions_of


def _definition() -> dict:
    (definition,) = definitions_of(probe_template().to_json()).values()
    return definition


def test_lambda_task_has_timeout_retry_with_jitter_and_execution_id():
    task = _definition()["States"]["CallEcho"]
    assert task["TimeoutSeconds"] == 40
    (retry,) = task["Retry"]
    assert retry["ErrorEquals"] == [
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
    ]
    assert retry["JitterStrategy"] == "FULL"
    assert retry["BackoffRate"] == 2
    assert retry["MaxDelaySeconds"] == 30
    assert task["Parameters"] == {
        "input.$": "$",
        "executionId.$": "$$.Execution.Id",
        "stateName.$": "$$.State.Name",
    }
    assert task["ResultPath"] == "$.echo"


def test_a_policy_variant_adds_removes_or_rebudgets_errors_and_keeps_the_rest():
    retry = DYNAMODB_RETRY.with_errors("States.Timeout")
    assert retry.errors == (*DYNAMODB_RETRY.errors, "States.Timeout")
    narrowed = ORGANIZATIONS_RETRY.without_errors("Organizations.ServiceException")
    assert "Organizations.ServiceException" not in narrowed.errors
    assert len(narrowed.errors) == len(ORGANIZATIONS_RETRY.errors) - 1
    assert (narrowed.interval, narrowed.max_attempts) == (
        ORGANIZATIONS_RETRY.interval,
        ORGANIZATIONS_RETRY.max_attempts,
    )
    once = S3_RETRY.with_attempts(1)
    assert (once.errors, once.max_attempts) == (S3_RETRY.errors, 1)


def test_removing_an_error_the_table_does_not_retry_is_refused():
    with pytest.raises(UnknownRetryError, match=r"DynamoDB\.NoSuchError"):
        DYNAMODB_RETRY.without_errors("DynamoDB.NoSuchError")


@pytest.mark.parametrize(
    "table",
    [
        DYNAMODB_RETRY,
        SNS_RETRY,
        SQS_RETRY,
        EVENTBRIDGE_RETRY,
        S3_RETRY,
        CLOUDWATCH_RETRY,
        ORGANIZATIONS_RETRY,
        CLOUDFORMATION_RETRY,
        SAGEMAKER_RETRY,
    ],
)
def test_every_service_table_retries_its_own_throttling_with_jitter(table: RetryPolicy):
    service = table.errors[0].split(".")[0]
    assert f"{service}.ThrottlingException" in table.errors
    assert all(error.startswith(f"{service}.") for error in table.errors)
    assert table.jitter and table.max_attempts > 1
