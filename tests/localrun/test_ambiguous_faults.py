"""Ambiguous faults: the call takes effect for real, then the task fails as if its response were lost."""

from __future__ import annotations

import json

import pytest

from localrun import Fault, LocalRunner
from tests.localrun.conftest import ORDER, approve
from tests.localrun.test_runner import ledger

EXPRESS = {**ORDER, "express": True}


def _messages(runner: LocalRunner, queue: str) -> list[dict[str, object]]:
    """Every message waiting in `queue`, removed from it."""
    sqs, url = runner.client("sqs"), runner.resource(queue).ref
    found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for message in found:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [json.loads(message["Body"]) for message in found]


def test_a_lost_lambda_response_is_retried_after_the_handler_ran(kitchen: LocalRunner) -> None:
    fault = Fault(state="Summarize", error="Lambda.ServiceException", ambiguous=True)

    result = kitchen.run(EXPRESS, name="lost-lambda", faults=[fault], on_task_token=approve)

    assert result.status == "SUCCEEDED", result.cause
    assert result.faults_fired == {fault: 1}
    assert result.retries == 1
    assert [invocation.state for invocation in result.invocations].count("Summarize") == 2
    failed = result.events("TaskFailed")
    assert [event["taskFailedEventDetails"]["error"] for event in failed] == ["Lambda.ServiceException"]
    assert "response was lost" in failed[0]["taskFailedEventDetails"]["cause"]


def test_a_plain_fault_never_reaches_the_handler(kitchen: LocalRunner) -> None:
    fault = Fault(state="Summarize", error="Lambda.ServiceException")

    result = kitchen.run(EXPRESS, name="plain-lambda", faults=[fault], on_task_token=approve)

    assert result.status == "SUCCEEDED", result.cause
    assert [invocation.state for invocation in result.invocations].count("Summarize") == 1


@pytest.mark.parametrize("ambiguous", [True, False], ids=["ambiguous", "plain"])
def test_an_sdk_call_takes_effect_only_when_the_fault_is_ambiguous(
    kitchen: LocalRunner, ambiguous: bool
) -> None:
    name = f"sdk-{'ambiguous' if ambiguous else 'plain'}"
    order = {**EXPRESS, "orderId": name}
    fault = Fault(state="RecordOrder", error="States.TaskFailed", times=None, ambiguous=ambiguous)

    result = kitchen.run(order, name=name, faults=[fault], on_task_token=approve)

    assert result.status == "FAILED"
    assert result.error == "States.TaskFailed"
    assert (name in ledger(kitchen)) is ambiguous


def test_a_lost_response_of_a_callback_request_fails_before_the_task_waits(kitchen: LocalRunner) -> None:
    _messages(kitchen, "Approvals")
    fault = Fault(state="AwaitApproval", error="SQS.InternalErrorException", ambiguous=True)

    result = kitchen.run(
        {**EXPRESS, "orderId": "o-callback"},
        name="lost-callback",
        faults=[fault],
        on_task_token=approve,
    )

    assert result.status == "FAILED"
    assert result.error == "SQS.InternalErrorException"
    assert result.events("TaskSubmitted") == []
    sent = _messages(kitchen, "Approvals")
    assert [message["orderId"] for message in sent] == ["o-callback"]
    assert "o-callback" not in ledger(kitchen)


def test_an_ambiguous_function_fault_runs_the_handler_then_reports_the_error(kitchen: LocalRunner) -> None:
    fault = Fault(function="Summarizer", error="Sandbox.Timedout", ambiguous=True)

    result = kitchen.run(EXPRESS, name="lost-function", faults=[fault], on_task_token=approve)

    summarize = [invocation for invocation in result.invocations if invocation.state == "Summarize"]
    assert result.status == "FAILED"
    assert result.error == "Sandbox.Timedout"
    assert [invocation.error_type for invocation in summarize] == ["Sandbox.Timedout"]
    assert summarize[0].request_id != "injected-fault"


def test_the_cli_form_marks_a_fault_ambiguous() -> None:
    assert Fault.parse("Charge=Lambda.ServiceException:2", ambiguous=True) == Fault(
        state="Charge", error="Lambda.ServiceException", times=2, ambiguous=True
    )
    assert Fault.parse("fn:Ship=Sandbox.Timedout", ambiguous=True).ambiguous
    assert not Fault.parse("Charge=X").ambiguous


def test_a_call_that_failed_on_its_own_loses_that_answer_too(kitchen: LocalRunner) -> None:
    fault = Fault(state="Validate", error="Lambda.ServiceException", ambiguous=True)

    result = kitchen.run({"orderId": "o-empty", "items": []}, name="lost-error", faults=[fault])

    assert result.faults_fired == {fault: 1}
    assert result.retries == 1
    assert [event["taskFailedEventDetails"]["error"] for event in result.events("TaskFailed")] == [
        "Lambda.ServiceException"
    ]
    assert result.states == ("Validate", "RecordRejection", "Rejected")
