"""End to end: the kitchen-sink workflow runs through localrun exactly as synthesized."""

from __future__ import annotations

import json

from localrun import Fault, LocalRunner, TaskFailure
from tests.localrun.conftest import ORDER, approve

HAPPY_PATH = (
    "Validate",
    "Route",
    "CoolOff",
    "Prepare",
    "PriceLines",
    "CountDocuments",
    "PriceLine",
    "PriceLine",
    "Summarize",
    "AwaitApproval",
    "RecordOrder",
    "Done",
)


def ledger(runner: LocalRunner) -> dict[str, dict[str, str]]:
    items = runner.client("dynamodb").scan(TableName=runner.resource("Ledger").name)["Items"]
    return {
        item["pk"]["S"]: {key: next(iter(value.values())) for key, value in item.items()} for item in items
    }


def test_happy_path_runs_every_construct_to_the_expected_output(kitchen: LocalRunner) -> None:
    result = kitchen.run(ORDER, name="happy", on_task_token=approve)

    assert result.status == "SUCCEEDED", result.cause
    assert sorted(result.states) == sorted(HAPPY_PATH)
    assert result.states[:4] == ("Validate", "Route", "CoolOff", "Prepare")
    assert result.states[-4:] == ("Summarize", "AwaitApproval", "RecordOrder", "Done")
    assert result.output["prepared"]["prices"] == [
        {"sku": "apple", "amount": 240},
        {"sku": "pear", "amount": 95},
    ]
    assert result.output["prepared"]["documents"] == [
        {"key": "incoming/a.txt", "words": 2},
        {"key": "incoming/b.txt", "words": 3},
        {"key": "incoming/c.txt", "words": 1},
    ]
    assert result.output["summary"]["total"] == 335
    assert result.output["summary"]["currency"] == "EUR"
    assert result.output["approval"] == {"approver": "ann"}
    assert ledger(kitchen)["o-1"] == {"pk": "o-1", "status": "APPROVED", "total": "335", "approver": "ann"}


def test_wait_state_advances_simulated_time_not_wall_time(kitchen: LocalRunner) -> None:
    slow = kitchen.run(ORDER, on_task_token=approve)
    express = kitchen.run({**ORDER, "express": True}, on_task_token=approve)

    assert slow.simulated_seconds >= 3600
    assert express.simulated_seconds - express.wall_seconds < 60
    assert "CoolOff" not in express.states


def test_transitions_count_states_entered(kitchen: LocalRunner) -> None:
    result = kitchen.run({**ORDER, "express": True}, on_task_token=approve)

    assert result.transitions == len(result.states) == len(HAPPY_PATH) - 1
    assert result.retries == 0


def test_lambda_invocations_are_recorded_with_their_states(kitchen: LocalRunner) -> None:
    result = kitchen.run({**ORDER, "express": True}, on_task_token=approve)

    states = [invocation.state for invocation in result.invocations]
    assert states.count("Validate") == 1
    assert states.count("PriceLine") == 2
    assert states.count("CountWords") == 3
    assert all(invocation.error_type is None for invocation in result.invocations)


def test_injected_function_failure_is_retried(kitchen: LocalRunner) -> None:
    fault = Fault(function="Summarizer", error="Lambda.ServiceException", times=2)

    result = kitchen.run({**ORDER, "express": True}, faults=[fault], on_task_token=approve)

    assert result.status == "SUCCEEDED"
    assert result.entered("Summarize") == 1
    assert result.retries == 2
    assert result.transitions == len(result.states) + 2
    assert result.faults_fired == {fault: 2}
    failures = result.events("LambdaFunctionFailed")
    assert [event["lambdaFunctionFailedEventDetails"]["error"] for event in failures] == [
        "Lambda.ServiceException"
    ] * 2


def test_retries_exhausted_fail_the_execution(kitchen: LocalRunner) -> None:
    fault = Fault(function="Summarizer", error="Lambda.ServiceException", times=None)

    result = kitchen.run({**ORDER, "express": True}, faults=[fault], on_task_token=approve)

    assert result.status == "FAILED"
    assert result.error == "Lambda.ServiceException"
    assert result.retries == 3


def test_injected_state_failure_is_caught(kitchen: LocalRunner) -> None:
    result = kitchen.run(ORDER, name="caught", faults=[Fault(state="Validate", error="InvalidInput")])

    assert result.status == "FAILED"
    assert result.error == "OrderRejected"
    assert result.states == ("Validate", "RecordRejection", "Rejected")
    assert ledger(kitchen)["caught"]["status"] == "REJECTED"


def test_handler_exception_becomes_the_error_name_catch_sees(kitchen: LocalRunner) -> None:
    result = kitchen.run({"orderId": "o-2", "items": []}, name="empty-order")

    assert result.states == ("Validate", "RecordRejection", "Rejected")
    reason = ledger(kitchen)["empty-order"]["reason"]
    assert '"errorType": "InvalidInput"' in reason or '"errorType":"InvalidInput"' in reason
    assert "an order has 1..5 items" in reason


def test_task_token_failure_is_caught(kitchen: LocalRunner) -> None:
    result = kitchen.run(
        {**ORDER, "express": True},
        on_task_token=lambda token: TaskFailure("ApprovalDeclined", "too expensive"),
    )

    assert result.status == "FAILED"
    assert result.error == "OrderDeclined"
    assert result.states[-2:] == ("AwaitApproval", "Declined")


def test_task_token_can_be_answered_from_the_test(kitchen: LocalRunner) -> None:
    queue_url = kitchen.resource("Approvals").ref
    kitchen.client("sqs").purge_queue(QueueUrl=queue_url)
    execution = kitchen.start_execution({**ORDER, "express": True, "orderId": "o-3"})
    token = execution.wait_for_task_token("AwaitApproval")
    kitchen.send_task_success(token, {"approver": "carol"})
    result = execution.wait()
    message = kitchen.client("sqs").receive_message(QueueUrl=queue_url)["Messages"][0]

    assert result.status == "SUCCEEDED"
    assert json.loads(message["Body"]) == {"token": token, "orderId": "o-3", "total": 335}
    assert ledger(kitchen)["o-3"]["approver"] == "carol"
    assert [(issued.token, issued.state) for issued in result.task_tokens] == [(token, "AwaitApproval")]


def test_trace_reads_as_the_path_taken(kitchen: LocalRunner) -> None:
    result = kitchen.run({**ORDER, "express": True}, on_task_token=approve)

    trace = result.trace()
    assert any("-> Validate (Task)" in line for line in trace)
    assert trace[-1].endswith("== SUCCEEDED")
