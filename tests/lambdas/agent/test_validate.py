"""Validate: requests checked by name, the requestId claimed once, personal data kept out."""

from __future__ import annotations

from typing import Any

import pytest
from agent import validate
from agent.errors import DuplicateRequest, InvalidRequest

from tests.lambdas.agent.agentaws import LIMITS, OTHER_EXECUTION_ID, REQUESTS_TABLE, Account
from tests.lambdas.agent.conftest import call


def request(**changes: Any) -> dict[str, Any]:
    base = {"requestId": "req-1", "task": "What is 2+2?", "requester": "ada@example.com"}
    return {**base, **changes}


def test_a_valid_request_starts_the_run_state_and_claims_its_id(aws: Account) -> None:
    state = call(validate.handler, request(tools=["calculator"], budget={"maxRounds": 2}))
    assert state == {
        "duplicate": False,
        "request": {"requestId": "req-1", "task": "What is 2+2?", "tools": ["calculator"]},
        "limits": {**LIMITS, "maxRounds": 2},
        "usage": {"rounds": 0, "inputTokens": 0, "outputTokens": 0, "costUsd": 0, "toolCalls": 0},
        "revision": 0,
    }
    item = aws.item(REQUESTS_TABLE, "req-1")
    assert item is not None and item["status"]["S"] == "RUNNING"
    assert "ada@example.com" not in str(item) and len(item["requesterHash"]["S"]) == 64


def test_tools_default_to_every_enabled_tool(aws: Account) -> None:
    state = call(validate.handler, request())
    assert state["request"]["tools"] == ["search_knowledge_base", "lookup_order", "fetch_url", "calculator"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"requestId": "../etc"}, "requestId"),
        ({"task": "  "}, "task"),
        ({"task": "x" * 8001}, "task"),
        ({"requester": 7}, "requester"),
        ({"tools": ["shell"]}, "tools"),
        ({"tools": []}, "tools"),
        ({"tools": ["calculator", "calculator"]}, "tools"),
        ({"budget": {"maxRounds": 4}}, "budget.maxRounds"),
        ({"budget": {"maxCostUsd": 0}}, "budget.maxCostUsd"),
        ({"budget": {"maxTokens": 1.5}}, "budget.maxTokens"),
        ({"budget": {"maxRevisions": 1}}, "budget.maxRevisions"),
        ({"priority": "high"}, "priority"),
    ],
)
def test_bad_input_is_refused_by_field_name(aws: Account, changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRequest, match=f"^{field}"):
        call(validate.handler, request(**changes))
    assert aws.item(REQUESTS_TABLE, request(**changes).get("requestId", "req-1")) is None


def test_a_retried_validate_of_the_same_execution_succeeds(aws: Account) -> None:
    call(validate.handler, request())
    assert call(validate.handler, request())["duplicate"] is False


def test_a_request_running_under_another_execution_is_a_duplicate(aws: Account) -> None:
    call(validate.handler, request())
    with pytest.raises(DuplicateRequest, match="req-1"):
        call(validate.handler, request(), execution=OTHER_EXECUTION_ID)


def test_a_published_request_answers_with_its_answer_and_changes_nothing(aws: Account) -> None:
    call(validate.handler, request())
    aws.dynamodb.update_item(
        TableName=REQUESTS_TABLE,
        Key={"requestId": {"S": "req-1"}},
        UpdateExpression="SET #s = :s, answerKey = :k",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "PUBLISHED"}, ":k": {"S": "answers/req-1/v1.json"}},
    )
    result = call(validate.handler, request(), execution=OTHER_EXECUTION_ID)
    assert result == {"duplicate": True, "requestId": "req-1", "answerKey": "answers/req-1/v1.json"}
    assert aws.item(REQUESTS_TABLE, "req-1")["status"]["S"] == "PUBLISHED"


def test_a_failed_request_may_be_run_again_by_a_new_execution(aws: Account) -> None:
    call(validate.handler, request())
    aws.dynamodb.update_item(
        TableName=REQUESTS_TABLE,
        Key={"requestId": {"S": "req-1"}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "BudgetExceeded"}},
    )
    assert call(validate.handler, request(), execution=OTHER_EXECUTION_ID)["duplicate"] is False
    assert aws.item(REQUESTS_TABLE, "req-1")["executionId"]["S"] == OTHER_EXECUTION_ID
