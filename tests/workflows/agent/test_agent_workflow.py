"""The agent workflow end to end through localrun (real handlers, IAM enforced, Bedrock scripted):
states, outputs, the runs bucket's objects, the AnswerPublished event, the Requests and Breakers
tables. Runs reuse the shipped samples' inputs and Bedrock scripts (examples/agent/)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from localrun import Fault, LocalRunner
from localrun.emulation.converse import BedrockScript
from localrun.result import RunResult
from localrun.samples import Sample
from tests.resilience.worlds import ReplayingScript
from tests.support.worlds.agent import ORDER_ID, AgentWorld

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "agent"


def run_sample(runner: LocalRunner, name: str) -> RunResult:
    sample = Sample.load(EXAMPLES / f"{name}.json")
    result = sample.run(runner, timeout=120.0)
    assert sample.mismatches(result) == [], "\n".join(result.trace())
    return result


def answer_events(world: AgentWorld, queue: str) -> list[dict[str, Any]]:
    return [event for event in world.events(queue) if event["detail-type"] == "AnswerPublished"]


@pytest.fixture(scope="module")
def converse_requests(runner: LocalRunner) -> list[Mapping[str, Any]]:
    """Every Converse request of the parallel-tools run, as the emulation received it."""
    seen: list[Mapping[str, Any]] = []
    original = BedrockScript.take

    def recording(self: BedrockScript, api: str, request: Mapping[str, Any]) -> Any:
        if api == "converse":
            seen.append(json.loads(json.dumps(request, default=str)))
        return original(self, api, request)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BedrockScript, "take", recording)
        run_sample(runner, "parallel-tools")
    return seen


def test_parallel_tools_publish_a_cited_answer(
    runner: LocalRunner, world: AgentWorld, events: str, converse_requests: list[Mapping[str, Any]]
) -> None:
    request_id = "demo-parallel"
    results = world.keys(f"tool-results/{request_id}/")
    assert results == [f"tool-results/{request_id}/01/{use}.json" for use in ("t-calc", "t-kb", "t-order")]
    assert world.json_object(results[2])["orderId"] == ORDER_ID
    assert world.json_object(results[2])["status"] == "SHIPPED"
    assert world.json_object(results[1])["matches"][0]["key"] == "refunds#0"
    answer = world.json_object(f"answers/{request_id}/v1.json")
    assert "59.97" in answer["answer"]
    assert {cited["toolUseId"] for cited in answer["citations"]} == {"t-order", "t-kb", "t-calc"}
    assert world.keys(f"drafts/{request_id}/") == [f"drafts/{request_id}/00.json"]
    assert world.keys(f"conversations/{request_id}") == [f"conversations/{request_id}.json"]
    report = world.json_object(f"reports/{request_id}.json")
    assert report["status"] == "PUBLISHED" and report["rounds"] == 1 and report["toolCalls"] == 3
    assert report["usage"]["inputTokens"] == 2300 and report["usage"]["outputTokens"] == 200
    assert report["billed"] == report["usage"], "no model call was made twice"
    (event,) = answer_events(world, events)
    assert event["source"] == "stepwise.agent"
    assert event["detail"]["requestId"] == request_id
    assert event["detail"]["answerKey"] == f"answers/{request_id}/v1.json"
    item = world.request(request_id)
    assert item["status"] == "PUBLISHED" and item["answerKey"] == f"answers/{request_id}/v1.json"
    assert "alice@example.com" not in json.dumps(item) + json.dumps(report) + json.dumps(event)
    for tool in ("calculator", "lookup_order", "search_knowledge_base"):
        assert world.breaker(tool).get("state", "CLOSED") == "CLOSED"


def test_tool_outputs_reach_the_model_as_tool_results_never_as_system_prompt(
    converse_requests: list[Mapping[str, Any]],
) -> None:
    assert len(converse_requests) == 2
    systems = {json.dumps(request["system"]) for request in converse_requests}
    assert len(systems) == 1, "the system prompt is the configured one on every call"
    (system,) = systems
    for output in ("SHIPPED", "Refunds are paid within 30 days", "59.97"):
        assert output not in system
    results = [
        block["toolResult"]
        for message in converse_requests[-1]["messages"]
        for block in message["content"]
        if "toolResult" in block
    ]
    assert {result["toolUseId"] for result in results} == {"t-order", "t-kb", "t-calc"}
    assert "SHIPPED" in json.dumps(results)


def test_a_duplicate_request_id_publishes_once(
    runner: LocalRunner, world: AgentWorld, events: str, converse_requests: list[Mapping[str, Any]]
) -> None:
    answer_events(world, events)
    again = runner.run(
        {"requestId": "demo-parallel", "task": "Has order order-1001 shipped?", "requester": "x@example.com"},
        bedrock={"converse": []},
    )
    assert again.status == "SUCCEEDED"
    assert again.output["duplicate"] is True
    assert again.output["answerKey"] == "answers/demo-parallel/v1.json"
    assert "Plan" not in again.states and "Publish" not in again.states
    assert world.keys("answers/demo-parallel/") == ["answers/demo-parallel/v1.json"]
    assert answer_events(world, events) == []


def test_a_failing_tool_opens_its_circuit_and_is_then_skipped(runner: LocalRunner, world: AgentWorld) -> None:
    before = int(time.time())
    result = run_sample(runner, "circuit-opens")
    assert result.output["rounds"] == 2 and result.output["toolCalls"] == 4
    breaker = world.breaker("fetch_url")
    assert breaker["state"] == "OPEN"
    assert int(breaker["openUntil"]) >= before + 120
    # Round 1's three failures left no result objects; round 2's call was skipped before running.
    assert world.keys("tool-results/demo-circuit/") == []
    conversation = world.json_object("conversations/demo-circuit.json")
    statuses = [
        block["toolResult"]["status"]
        for message in conversation["messages"]
        for block in message["content"]
        if "toolResult" in block
    ]
    assert statuses == ["error", "error", "error", "error"]


def test_budget_exceeded_writes_a_partial_report_and_publishes_nothing(
    runner: LocalRunner, world: AgentWorld, events: str
) -> None:
    answer_events(world, events)
    run_sample(runner, "budget-exceeded")
    report = world.json_object("reports/demo-budget.json")
    assert report["status"] == report["error"] == "BudgetExceeded"
    assert report["usage"]["inputTokens"] == 1100 and report["usage"]["outputTokens"] == 60
    assert world.request("demo-budget")["status"] == "BudgetExceeded"
    assert world.keys("answers/demo-budget/") == []
    assert answer_events(world, events) == []


def test_a_rejected_draft_is_revised_and_the_revision_published(
    runner: LocalRunner, world: AgentWorld
) -> None:
    result = run_sample(runner, "approval-rejected-then-approved")
    assert result.states.count("RequestApproval") == 2
    assert world.keys("drafts/demo-revised/") == [
        "drafts/demo-revised/00.json",
        "drafts/demo-revised/01.json",
    ]
    answer = world.json_object("answers/demo-revised/v1.json")
    assert answer["answer"] == world.json_object("drafts/demo-revised/01.json")["answer"]
    assert "2400*17/100" in answer["answer"]


def test_approval_timeout_records_the_outcome_and_publishes_nothing(
    runner: LocalRunner, world: AgentWorld
) -> None:
    run_sample(runner, "approval-timeout")
    assert world.request("demo-timeout")["status"] == "ApprovalTimedOut"
    assert world.json_object("reports/demo-timeout.json")["error"] == "ApprovalTimedOut"
    assert world.keys("answers/demo-timeout/") == []


def test_after_the_cool_down_one_probe_runs_and_its_success_closes_the_circuit(
    runner: LocalRunner, world: AgentWorld
) -> None:
    now = int(time.time())
    world.put_breaker("calculator", state="OPEN", openUntil=now - 1, failures=0, windowStart=now - 200)
    result = runner.run(
        {"requestId": "wait-probe", "task": "What is 7*6?", "requester": "x@example.com"},
        bedrock=calculator_script(),
        on_task_token=lambda token: {"decision": "approve"},
    )
    assert result.status == "SUCCEEDED", "\n".join(result.trace())
    assert result.bedrock_problems == ()
    assert "WaitForCoolDown" not in result.states and "SkipTool" not in result.states
    assert result.state_output("CheckCircuit")["circuit"]["decision"] == "probe"
    assert world.breaker("calculator")["state"] == "CLOSED"


def test_a_cool_down_ending_soon_is_waited_out_on_the_executions_clock_then_probed(
    runner: LocalRunner, world: AgentWorld
) -> None:
    now = int(time.time())
    world.put_breaker("calculator", state="OPEN", openUntil=now + 20, failures=0, windowStart=now - 200)
    result = runner.run(
        {"requestId": "wait-cool-down", "task": "What is 7*6?", "requester": "x@example.com"},
        bedrock=calculator_script(),
        on_task_token=lambda token: {"decision": "approve"},
    )
    assert result.status == "SUCCEEDED", "\n".join(result.trace())
    assert result.bedrock_problems == ()
    assert result.states.count("WaitForCoolDown") == 1 and "SkipTool" not in result.states
    assert result.states.count("CheckCircuit") == 2
    assert world.breaker("calculator")["state"] == "CLOSED"


def calculator_script() -> dict[str, Any]:
    """One calculator call for "7*6", then the answer citing it."""
    return {
        "converse": [
            {
                "expect": {"lastUserText": {"contains": "7*6"}},
                "response": {
                    "output": {
                        "message": {
                            "role": "assistant",
                            "content": [
                                {
                                    "toolUse": {
                                        "toolUseId": "t-1",
                                        "name": "calculator",
                                        "input": {"expression": "7*6"},
                                    }
                                }
                            ],
                        }
                    },
                    "stopReason": "tool_use",
                    "usage": {"inputTokens": 100, "outputTokens": 10},
                },
            },
            {
                "expect": {"toolResults": {"t-1": "success"}},
                "response": {
                    "output": {"message": {"role": "assistant", "content": [{"text": "42 [t-1]."}]}},
                    "stopReason": "end_turn",
                    "usage": {"inputTokens": 150, "outputTokens": 5},
                },
            },
        ]
    }


def test_a_plan_whose_response_was_lost_is_billed_twice_and_counted_once(
    runner: LocalRunner, world: AgentWorld
) -> None:
    result = runner.run(
        {"requestId": "lost-plan", "task": "What is 7*6?", "requester": "x@example.com"},
        bedrock=ReplayingScript.load(calculator_script(), label="lost plan response"),
        faults=[Fault(state="Plan", error="Lambda.ServiceException", times=1, ambiguous=True)],
        on_task_token=lambda token: {"decision": "approve"},
    )
    assert result.status == "SUCCEEDED", "\n".join(result.trace())
    assert result.unfired_faults == ()
    report = world.json_object("reports/lost-plan.json")
    assert (report["usage"]["inputTokens"], report["usage"]["outputTokens"]) == (250, 15)
    assert (report["billed"]["inputTokens"], report["billed"]["outputTokens"]) == (350, 25)
    assert world.keys("answers/lost-plan/") == ["answers/lost-plan/v1.json"]
