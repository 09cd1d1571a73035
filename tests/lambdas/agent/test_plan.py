"""Plan: the Converse request and response shapes (botocore Stubber on the real model), checked
tool calls, one correction of a bad plan, and the budget."""

from __future__ import annotations

import json
from typing import Any

import pytest
from agent import contract, plan
from agent.errors import BudgetExceeded, GuardrailBlocked, InvalidPlan, ModelUnavailable
from agent.tools import registry
from botocore.stub import ANY, Stubber

from tests.lambdas.agent.agentaws import ENVIRONMENT, LIMITS, MODEL_ID, REQUESTS_TABLE, Account
from tests.lambdas.agent.conftest import call
from tests.lambdas.agent.turns import answer, response, tool_use

TASK = "What is 6*7 and the status of order o-1?"


def run_state(tools: list[str] | None = None, **limits: Any) -> dict[str, Any]:
    return {
        "duplicate": False,
        "request": {"requestId": "req-1", "task": TASK, "tools": tools or ["calculator", "lookup_order"]},
        "limits": {**LIMITS, **limits},
        "usage": {"rounds": 0, "inputTokens": 0, "outputTokens": 0, "costUsd": 0, "toolCalls": 0},
        "revision": 0,
    }


@pytest.fixture
def claimed(aws: Account) -> Account:
    aws.dynamodb.put_item(
        TableName=REQUESTS_TABLE,
        Item={"requestId": {"S": "req-1"}, "status": {"S": "RUNNING"}, "executionId": {"S": "e"}},
    )
    return aws


def expected_request(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "modelId": MODEL_ID,
        "messages": messages,
        "system": [{"text": ENVIRONMENT["SYSTEM_PROMPT"]}],
        "inferenceConfig": {"maxTokens": 1024, "temperature": 0.2},
        "toolConfig": {
            "tools": [{"toolSpec": spec} for spec in registry.specs(["calculator", "lookup_order"])]
        },
    }


def test_planned_calls_come_back_checked_with_usage_and_the_conversation_is_stored(
    claimed: Account, bedrock: Stubber
) -> None:
    first = [{"role": "user", "content": [{"text": TASK}]}]
    bedrock.add_response(
        "converse",
        response(
            tool_use("t1", "calculator", {"expression": "6*7"}),
            tool_use("t2", "lookup_order", {"orderId": "o-1"}),
        ),
        expected_request(first),
    )
    state = call(plan.handler, run_state())
    assert state["plan"] == {
        "calls": [
            {"toolUseId": "t1", "name": "calculator", "input": {"expression": "6*7"}},
            {"toolUseId": "t2", "name": "lookup_order", "input": {"orderId": "o-1"}},
        ],
        "done": False,
    }
    assert state["usage"] == {
        "rounds": 1,
        "inputTokens": 100,
        "outputTokens": 20,
        "costUsd": 0.00016,
        "toolCalls": 0,
    }
    messages = claimed.json_object(contract.conversation_key("req-1"))["messages"]
    assert [message["role"] for message in messages] == ["user", "assistant"]
    assert json.loads(claimed.item(REQUESTS_TABLE, "req-1")["usage"]["S"])["inputTokens"] == 100


def test_the_tool_specs_offered_are_only_the_requests_tools(claimed: Account, bedrock: Stubber) -> None:
    bedrock.add_response(
        "converse",
        answer("6*7 is 42."),
        {
            **expected_request(ANY),
            "toolConfig": {"tools": [{"toolSpec": registry.TOOLS["calculator"].spec()}]},
            "messages": ANY,
        },
    )
    state = call(plan.handler, run_state(tools=["calculator"]))
    assert state["plan"] == {"calls": [], "done": True}


def test_a_bad_plan_goes_back_once_with_the_errors_and_the_corrected_plan_is_used(
    claimed: Account, bedrock: Stubber
) -> None:
    bedrock.add_response(
        "converse",
        response(tool_use("t1", "shell", {"cmd": "ls"}), tool_use("t2", "calculator", {"expression": "6*7"})),
    )
    correction = {
        "role": "user",
        "content": [
            {"toolResult": {"toolUseId": "t1", "content": [{"text": ANY}], "status": "error"}},
            {"toolResult": {"toolUseId": "t2", "content": [{"text": ANY}], "status": "error"}},
        ],
    }
    bedrock.add_response(
        "converse",
        response(tool_use("t3", "calculator", {"expression": "6*7"})),
        {**expected_request(ANY), "messages": [ANY, ANY, correction]},
    )
    state = call(plan.handler, run_state())
    assert state["plan"]["calls"] == [
        {"toolUseId": "t3", "name": "calculator", "input": {"expression": "6*7"}}
    ]
    assert state["usage"]["inputTokens"] == 200
    messages = claimed.json_object(contract.conversation_key("req-1"))["messages"]
    assert "unknown tool 'shell'" in messages[2]["content"][0]["toolResult"]["content"][0]["text"]


def test_a_plan_still_invalid_after_its_correction_is_invalid_plan(
    claimed: Account, bedrock: Stubber
) -> None:
    bedrock.add_response("converse", response(tool_use("t1", "calculator", {"expr": "1"})))
    bedrock.add_response("converse", response(tool_use("t2", "calculator", {"expression": 7})))
    with pytest.raises(InvalidPlan, match="invalid arguments for calculator at expression"):
        call(plan.handler, run_state())


def test_more_calls_than_a_round_allows_is_invalid_plan(claimed: Account, bedrock: Stubber) -> None:
    calls = [tool_use(f"t{n}", "calculator", {"expression": "1+1"}) for n in range(3)]
    bedrock.add_response("converse", response(*calls))
    with pytest.raises(InvalidPlan, match="maxToolCallsPerRound is 2"):
        call(plan.handler, run_state(maxToolCallsPerRound=2))


@pytest.mark.parametrize(
    ("limits", "tokens", "match"),
    [({"maxTokens": 500}, (450, 60), "maxTokens"), ({"maxCostUsd": 0.001}, (1000, 100), "maxCostUsd")],
)
def test_passing_the_token_or_cost_budget_is_budget_exceeded_and_the_spend_is_kept(
    claimed: Account, bedrock: Stubber, limits: dict[str, Any], tokens: tuple[int, int], match: str
) -> None:
    bedrock.add_response("converse", answer("done", tokens=tokens))
    with pytest.raises(BudgetExceeded, match=match):
        call(plan.handler, run_state(**limits))
    stored = json.loads(claimed.item(REQUESTS_TABLE, "req-1")["usage"]["S"])
    assert (stored["inputTokens"], stored["outputTokens"]) == tokens


def test_bedrock_throttling_is_model_unavailable(claimed: Account, bedrock: Stubber) -> None:
    bedrock.add_client_error("converse", "ThrottlingException", http_status_code=429)
    with pytest.raises(ModelUnavailable, match="ThrottlingException"):
        call(plan.handler, run_state())


@pytest.mark.parametrize(
    ("stop", "error"),
    [
        ("max_tokens", BudgetExceeded),
        ("guardrail_intervened", GuardrailBlocked),
        ("content_filtered", GuardrailBlocked),
    ],
)
def test_a_turn_the_model_did_not_finish_is_never_used(
    claimed: Account, bedrock: Stubber, stop: str, error: type[Exception]
) -> None:
    bedrock.add_response("converse", response({"text": "The answer is"}, stop=stop))
    with pytest.raises(error, match=stop if error is GuardrailBlocked else "cut off"):
        call(plan.handler, run_state())


def test_a_plan_made_again_after_its_response_was_lost_is_billed_twice_and_counted_once(
    claimed: Account, bedrock: Stubber
) -> None:
    for _ in range(2):
        bedrock.add_response("converse", response(tool_use("t1", "calculator", {"expression": "6*7"})))
    first = call(plan.handler, run_state())
    again = call(plan.handler, run_state())  # the same task retried: its first answer never arrived

    assert first["usage"] == again["usage"]
    item = claimed.item(REQUESTS_TABLE, "req-1")
    planned = first["usage"]
    assert int(item["billedInputTokens"]["N"]) == 2 * planned["inputTokens"]
    assert int(item["billedOutputTokens"]["N"]) == 2 * planned["outputTokens"]
    assert float(item["billedCostUsd"]["N"]) == pytest.approx(2 * planned["costUsd"])


def test_the_budget_counts_what_was_billed_including_calls_made_again(
    claimed: Account, bedrock: Stubber
) -> None:
    for _ in range(2):
        bedrock.add_response("converse", answer("done", tokens=(300, 20)))
    call(plan.handler, run_state(maxTokens=500))  # 320 tokens: within the budget
    with pytest.raises(BudgetExceeded, match="640 tokens"):
        call(plan.handler, run_state(maxTokens=500))  # the same call again: 640 billed
