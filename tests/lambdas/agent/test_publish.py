"""Publish: the answer once per requestId (one object, one event) under a retried call, the item
PUBLISHED, the run report written."""

from __future__ import annotations

from typing import Any

import pytest
from agent import contract, publish

from tests.lambdas.agent.agentaws import EXECUTION_ID, LIMITS, REQUESTS_TABLE, Account
from tests.lambdas.agent.conftest import call

USAGE = {"rounds": 1, "inputTokens": 300, "outputTokens": 60, "costUsd": 0.00048, "toolCalls": 2}
STATE: dict[str, Any] = {
    "request": {"requestId": "req-1", "task": "t", "tools": ["calculator"]},
    "limits": LIMITS,
    "usage": USAGE,
    "revision": 0,
    "plan": {"calls": [], "done": True},
    "draft": {"key": "drafts/req-1/00.json", "revision": 0, "citations": ["t1"]},
}
REPORT = {
    "requestId": "req-1",
    "status": "PUBLISHED",
    "answerKey": "answers/req-1/v1.json",
    "rounds": 1,
    "toolCalls": 2,
    "usage": {"inputTokens": 300, "outputTokens": 60, "costUsd": 0.00048},
    # A model call made twice (its first response lost): billed twice, counted once in the usage.
    "billed": {"inputTokens": 500, "outputTokens": 100, "costUsd": 0.0008},
}


@pytest.fixture
def drafted(aws: Account) -> Account:
    aws.dynamodb.put_item(
        TableName=REQUESTS_TABLE,
        Item={
            "requestId": {"S": "req-1"},
            "status": {"S": "AWAITING_APPROVAL"},
            "executionId": {"S": EXECUTION_ID},
            "approvalTokenCiphertext": {"B": b"sealed"},
            "billedInputTokens": {"N": "500"},
            "billedOutputTokens": {"N": "100"},
            "billedCostUsd": {"N": "0.000800"},
        },
    )
    aws.put_json(
        "drafts/req-1/00.json", {"answer": "42 [t1]", "citations": [{"toolUseId": "t1"}], "revision": 0}
    )
    return aws


def test_a_retried_publish_makes_one_object_and_one_event(drafted: Account) -> None:
    first = call(publish.handler, STATE)
    again = call(publish.handler, STATE)
    assert first == again == REPORT
    assert drafted.keys(contract.ANSWERS_PREFIX) == ["answers/req-1/v1.json"]
    assert drafted.json_object("answers/req-1/v1.json")["answer"] == "42 [t1]"
    events = drafted.drain(drafted.events_inbox_url)
    assert [(event["source"], event["detail-type"]) for event in events] == [
        ("stepwise.agent", "AnswerPublished")
    ]
    assert events[0]["detail"] == {
        key: REPORT[key] for key in ("requestId", "answerKey", "rounds", "toolCalls", "usage")
    }
    item = drafted.item(REQUESTS_TABLE, "req-1")
    assert item["status"]["S"] == "PUBLISHED" and item["answerKey"]["S"] == REPORT["answerKey"]
    assert "approvalTokenCiphertext" not in item
    assert drafted.json_object(contract.report_key("req-1")) == REPORT


def test_a_publish_whose_response_was_lost_reuses_the_stored_answer(drafted: Account) -> None:
    call(publish.handler, STATE)
    from shared import idempotency

    drafted.dynamodb.delete_item(
        TableName="agent-idempotency",
        Key={"id": drafted.dynamodb.scan(TableName="agent-idempotency")["Items"][0]["id"]},
    )
    idempotency._idempotency.cache_clear()
    call(publish.handler, STATE)
    assert drafted.keys(contract.ANSWERS_PREFIX) == ["answers/req-1/v1.json"]


def test_a_new_draft_is_published_as_the_next_version(drafted: Account) -> None:
    drafted.put_json("answers/req-1/v1.json", {"draftKey": "drafts/req-1/old.json"})
    result = call(publish.handler, STATE)
    assert result["answerKey"] == "answers/req-1/v2.json"
    assert drafted.json_object("answers/req-1/v1.json") == {"draftKey": "drafts/req-1/old.json"}
