import json

import pytest
from aws_cdk import Duration
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Template

from stacks.application import project_context
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
    await_task_token,
)
from stacks.config import load_environment
from tests.support.probe import probe_template
from tests.support.probe_stack import ProbeStack
from tests.support.synth import definitions_of, fresh_app


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


def test_a_task_token_wait_sends_the_token_inside_the_input_and_times_out() -> None:
    stack = ProbeStack(fresh_app(), load_environment(project_context()["environments"], "dev"))
    wait = await_task_token(
        stack,
        "AwaitEcho",
        stack.echo,
        payload={"orderId": sfn.JsonPath.string_at("$.orderId")},
        timeout=Duration.hours(2),
        result_path="$.answer",
        comment="Waits for an answer",
    )
    sfn.StateMachine(stack, "Waiting", definition_body=sfn.DefinitionBody.from_chainable(wait))
    definitions = definitions_of(Template.from_stack(stack).to_json())
    (definition,) = (d for d in definitions.values() if "AwaitEcho" in json.dumps(d))
    state = definition["States"]["AwaitEcho"]
    assert state["Resource"].endswith(":states:::lambda:invoke.waitForTaskToken")
    assert state["Parameters"]["Payload"] == {
        "input": {"orderId.$": "$.orderId", "taskToken.$": "$$.Task.Token"},
        "executionId.$": "$$.Execution.Id",
        "stateName.$": "$$.State.Name",
    }
    assert (state["TimeoutSeconds"], state["ResultPath"]) == (7200, "$.answer")
    assert state["Retry"][0]["ErrorEquals"][0] == "Lambda.ServiceException"
