"""Aggregate: tool results go back as toolResult blocks (data, not the system prompt), the answer
becomes a draft with checked citations, more rounds are bounded, feedback revises the draft."""

from __future__ import annotations

from typing import Any

import pytest
from agent import aggregate, contract
from agent.errors import BudgetExceeded
from botocore.stub import ANY, Stubber

from tests.lambdas.agent.agentaws import ENVIRONMENT, LIMITS, REQUESTS_TABLE, Account
from tests.lambdas.agent.conftest import call
from tests.lambdas.agent.turns import answer, response, tool_use

PLANNED = [
    {"role": "user", "content": [{"text": "What is 6*7, and order o-1?"}]},
    {
        "role": "assistant",
        "content": [
            tool_use("t1", "calculator", {"expression": "6*7"}),
            tool_use("t2", "lookup_order", {"orderId": "o-1"}),
            tool_use("t3", "fetch_url", {"url": "https://docs.example.com/a"}),
        ],
    },
]


def state(results: list[dict[str, Any]] | None = None, rounds: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "request": {"requestId": "req-1", "task": "t", "tools": ["calculator", "lookup_order", "fetch_url"]},
        "limits": dict(LIMITS),
        "usage": {
            "rounds": rounds,
            "inputTokens": 100,
            "outputTokens": 20,
            "costUsd": 0.00016,
            "toolCalls": 0,
        },
        "revision": 0,
        "plan": {"calls": [], "done": False},
        **({"results": results} if results is not None else {}),
        **extra,
    }


RESULTS = [
    {
        "toolUseId": "t1",
        "name": "calculator",
        "status": "success",
        "resultKey": "tool-results/req-1/01/t1.json",
    },
    {
        "toolUseId": "t2",
        "name": "lookup_order",
        "status": "error",
        "error": "OrdersTableBusy",
        "cause": "busy",
    },
    {"toolUseId": "t3", "name": "fetch_url", "status": "skipped", "reason": "circuit open"},
]


@pytest.fixture
def planned(aws: Account) -> Account:
    aws.dynamodb.put_item(
        TableName=REQUESTS_TABLE,
        Item={"requestId": {"S": "req-1"}, "status": {"S": "RUNNING"}, "executionId": {"S": "e"}},
    )
    aws.put_json(contract.conversation_key("req-1"), {"messages": PLANNED})
    aws.put_json("tool-results/req-1/01/t1.json", {"expression": "6*7", "value": 42})
    return aws


def test_results_are_tool_results_and_the_answer_is_a_draft_with_checked_citations(
    planned: Account, bedrock: Stubber
) -> None:
    turn = {
        "role": "user",
        "content": [
            {
                "toolResult": {
                    "toolUseId": "t1",
                    "content": [{"json": {"expression": "6*7", "value": 42}}],
                    "status": "success",
                }
            },
            {
                "toolResult": {
                    "toolUseId": "t2",
                    "content": [{"text": "failed: OrdersTableBusy: busy"}],
                    "status": "error",
                }
            },
            {
                "toolResult": {
                    "toolUseId": "t3",
                    "content": [{"text": "skipped: circuit open"}],
                    "status": "error",
                }
            },
        ],
    }
    bedrock.add_response(
        "converse",
        answer("6*7 is 42 [t1]; the order is unknown [t2] [made-up]."),
        {
            "modelId": ANY,
            "messages": [*PLANNED, turn],
            "system": [{"text": ENVIRONMENT["SYSTEM_PROMPT"]}],
            "inferenceConfig": ANY,
            "toolConfig": ANY,
        },
    )
    result = call(aggregate.handler, state(RESULTS))
    assert result["plan"] == {"calls": [], "done": True}
    assert result["draft"] == {"key": "drafts/req-1/00.json", "revision": 0, "citations": ["t1"]}
    assert "results" not in result
    assert result["usage"]["toolCalls"] == 3 and result["usage"]["inputTokens"] == 200
    draft = planned.json_object("drafts/req-1/00.json")
    assert draft["citations"] == [{"toolUseId": "t1", "tool": "calculator"}]
    assert draft["answer"].startswith("6*7 is 42")


def test_another_round_of_tools_is_the_next_plan(planned: Account, bedrock: Stubber) -> None:
    bedrock.add_response("converse", response(tool_use("t4", "calculator", {"expression": "42+1"})))
    result = call(aggregate.handler, state(RESULTS))
    assert result["plan"] == {
        "calls": [{"toolUseId": "t4", "name": "calculator", "input": {"expression": "42+1"}}],
        "done": False,
    }
    assert result["usage"]["rounds"] == 2 and "draft" not in result


def test_a_round_past_max_rounds_is_budget_exceeded(planned: Account, bedrock: Stubber) -> None:
    bedrock.add_response("converse", response(tool_use("t4", "calculator", {"expression": "42+1"})))
    with pytest.raises(BudgetExceeded, match="maxRounds: the model asked for round 4"):
        call(aggregate.handler, state(RESULTS, rounds=3))


def test_a_result_for_no_planned_call_is_refused(planned: Account, bedrock: Stubber) -> None:
    from agent.errors import InvalidRequest

    with pytest.raises(InvalidRequest, match="'t9' answers no planned call"):
        call(aggregate.handler, state([{"toolUseId": "t9", "status": "success", "resultKey": "x"}]))


def test_reviewer_feedback_is_a_user_turn_and_the_revision_a_new_draft(
    planned: Account, bedrock: Stubber
) -> None:
    drafted = [*PLANNED[:1], {"role": "assistant", "content": [{"text": "42."}]}]
    planned.put_json(contract.conversation_key("req-1"), {"messages": drafted})
    feedback = {"role": "user", "content": [{"text": ANY}]}
    bedrock.add_response(
        "converse",
        answer("It is 42 (6 times 7)."),
        {
            "modelId": ANY,
            "messages": [*drafted, feedback],
            "system": ANY,
            "inferenceConfig": ANY,
            "toolConfig": ANY,
        },
    )
    revise = state(
        revision=1,
        review={"decision": "reject", "feedback": "Show the working."},
        draft={"key": "drafts/req-1/00.json", "revision": 0, "citations": []},
    )
    result = call(aggregate.handler, revise)
    assert result["draft"]["key"] == "drafts/req-1/01.json" and "review" not in result
    messages = planned.json_object(contract.conversation_key("req-1"))["messages"]
    assert "Show the working." in messages[2]["content"][0]["text"]


def test_a_plan_answered_without_tools_is_drafted_without_another_model_call(
    planned: Account, bedrock: Stubber
) -> None:
    drafted = [*PLANNED[:1], {"role": "assistant", "content": [{"text": "42."}]}]
    planned.put_json(contract.conversation_key("req-1"), {"messages": drafted})
    result = call(aggregate.handler, state(plan={"calls": [], "done": True}))
    assert planned.json_object(result["draft"]["key"])["answer"] == "42."


def test_a_retried_revise_finds_its_feedback_answered_and_asks_nothing() -> None:
    asked = [
        {"role": "user", "content": [{"text": "Summarise the runbook"}]},
        {"role": "assistant", "content": [{"text": "A long summary"}]},
        {"role": "user", "content": [{"text": aggregate.FEEDBACK.format(feedback="shorter")}]},
        {"role": "assistant", "content": [{"text": "A short summary"}]},
    ]
    review = {"review": {"decision": "reject", "feedback": "shorter"}, "draft": {"revision": 0}}
    assert aggregate.next_turn(review, asked, 1) is None
    first = aggregate.next_turn(review, asked[:2], 1)
    assert first is not None and first["content"][0]["text"].startswith("A reviewer rejected the draft.")


def test_a_retried_aggregate_finds_its_next_round_planned_after_the_results_it_was_given() -> None:
    results = [{"toolUseId": "t1", "name": "calculator", "status": "success", "resultKey": "k"}]
    answered = [
        *PLANNED[:1],
        {"role": "assistant", "content": [tool_use("t1", "calculator", {"expression": "6*7"})]},
        {"role": "user", "content": [{"toolResult": {"toolUseId": "t1", "content": [{"text": "42"}]}}]},
        {"role": "assistant", "content": [tool_use("t4", "calculator", {"expression": "42+1"})]},
    ]
    assert aggregate.planned_already(results, answered)
    assert not aggregate.planned_already(results, answered[:2])  # the first attempt: results pending
    assert not aggregate.planned_already(results, answered[:3])  # answered, nothing planned after
