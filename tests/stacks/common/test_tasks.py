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
