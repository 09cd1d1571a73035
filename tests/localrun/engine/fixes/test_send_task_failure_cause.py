"""SendTaskFailure passes its error and cause to the Catch (`fixes/send_task_failure_cause.py`)."""

from __future__ import annotations

from localrun import LocalRunner, TaskFailure
from tests.localrun.asl_stacks import asl_template

TOKEN_MACHINE = {
    "StartAt": "AwaitDecision",
    "States": {
        "AwaitDecision": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": {"Ref": "Decisions"}, "MessageBody": {"token.$": "$$.Task.Token"}},
            "TimeoutSeconds": 300,
            "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.failure", "Next": "Refused"}],
            "End": True,
        },
        "Refused": {"Type": "Succeed"},
    },
}


def test_send_task_failure_passes_error_and_cause_to_the_catch() -> None:
    template = asl_template("TokenFailure", TOKEN_MACHINE, {"Decisions": {"Type": "AWS::SQS::Queue"}})
    with LocalRunner(template) as runner:
        result = runner.run(
            {"orderId": "o-1"}, on_task_token=lambda token: TaskFailure("Rejected", "reviewer said no")
        )

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["failure"] == {"Error": "Rejected", "Cause": "reviewer said no"}
    failed = result.events("TaskFailed")[0]["taskFailedEventDetails"]
    assert (failed["error"], failed["cause"]) == ("Rejected", "reviewer said no")


def test_send_task_failure_without_a_cause_still_fails_the_task() -> None:
    template = asl_template("TokenFailureBare", TOKEN_MACHINE, {"Decisions": {"Type": "AWS::SQS::Queue"}})
    with LocalRunner(template) as runner:
        execution = runner.start_execution({})
        token = execution.wait_for_task_token("AwaitDecision")
        runner.client("stepfunctions").send_task_failure(taskToken=token, error="Rejected")
        result = execution.wait()

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["failure"]["Error"] == "Rejected"
