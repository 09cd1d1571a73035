"""The handlers hand over to each other as the state machine passes them along: one request from
Validate through a tool call, the draft, the reviewer's approval, to Publish (no localrun)."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
from agent import aggregate, check_circuit, plan, publish, record_tool_outcome, request_approval, validate
from agent.tools import calculator
from botocore.stub import ANY, Stubber

from scripts.agent import approval
from scripts.approvals import Clients
from tests.lambdas.agent.agentaws import REGION, REQUESTS_TABLE, Account
from tests.lambdas.agent.conftest import call
from tests.lambdas.agent.turns import answer, response, tool_use


def test_a_request_runs_from_validate_to_publish(aws: Account, bedrock: Stubber) -> None:
    state = call(
        validate.handler,
        {"requestId": "req-chain", "task": "6*7?", "requester": "ada", "tools": ["calculator"]},
    )
    bedrock.add_response("converse", response(tool_use("t1", "calculator", {"expression": "6*7"})))
    state = call(plan.handler, state)
    results = []
    for planned in state["plan"]["calls"]:
        entered = {"enteredAt": datetime.now(UTC).isoformat()}
        decision = call(check_circuit.handler, {**planned, **entered})["decision"]
        assert decision == "call"
        output = call(
            calculator.handler, {"requestId": "req-chain", "round": state["usage"]["rounds"], **planned}
        )
        results.append(
            call(record_tool_outcome.handler, {**planned, **entered, "decision": decision, "result": output})
        )
    bedrock.add_response("converse", answer("6*7 = 42 [t1]"))
    state = call(aggregate.handler, {**state, "results": results})
    assert state["draft"]["citations"] == ["t1"]
    call(request_approval.handler, {"taskToken": "tok-chain", **state})

    stepfunctions = boto3.client("stepfunctions", region_name=REGION)
    with Stubber(stepfunctions) as decisions:
        decisions.add_response("send_task_success", {}, {"taskToken": "tok-chain", "output": ANY})
        clients = Clients(aws.dynamodb, stepfunctions, aws.kms, boto3.client("sts", region_name=REGION))
        approval.decide_request("req-chain", True, table_name=REQUESTS_TABLE, clients=clients)

    report = call(publish.handler, state)
    assert report == {
        "requestId": "req-chain",
        "status": "PUBLISHED",
        "answerKey": "answers/req-chain/v1.json",
        "rounds": 1,
        "toolCalls": 1,
        "usage": {"inputTokens": 200, "outputTokens": 40, "costUsd": 0.00032},
        "billed": {"inputTokens": 200, "outputTokens": 40, "costUsd": 0.00032},
    }
    assert aws.json_object(report["answerKey"])["answer"] == "6*7 = 42 [t1]"
    assert aws.item(REQUESTS_TABLE, "req-chain")["approvalDecision"]["S"] == "APPROVED"
