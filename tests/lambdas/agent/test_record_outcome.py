"""RecordOutcome: the partial report and the final status of every run that does not publish."""

from __future__ import annotations

import json

from agent import contract, record_outcome

from tests.lambdas.agent.agentaws import EXECUTION_ID, OTHER_EXECUTION_ID, REQUESTS_TABLE, Account
from tests.lambdas.agent.conftest import call

STATE = {
    "request": {"requestId": "req-1", "task": "t", "tools": ["calculator"]},
    "usage": {"rounds": 1, "inputTokens": 100, "outputTokens": 20, "costUsd": 0.00016, "toolCalls": 0},
}


def claim(aws: Account, usage: dict[str, float] | None = None) -> None:
    item = {"requestId": {"S": "req-1"}, "status": {"S": "RUNNING"}, "executionId": {"S": EXECUTION_ID}}
    if usage:
        item["usage"] = {"S": json.dumps(usage)}
    aws.dynamodb.put_item(TableName=REQUESTS_TABLE, Item=item)


def test_budget_exceeded_reports_what_the_run_spent_including_the_failed_call(aws: Account) -> None:
    claim(aws, {"rounds": 1, "inputTokens": 600, "outputTokens": 80, "costUsd": 0.0008, "toolCalls": 0})
    cause = json.dumps({"errorType": "BudgetExceeded", "errorMessage": "maxTokens: the run used 680 tokens"})
    result = call(record_outcome.handler, {**STATE, "failure": {"Error": "BudgetExceeded", "Cause": cause}})
    assert result == {
        "outcome": "BudgetExceeded",
        "reason": "maxTokens: the run used 680 tokens",
        "reportKey": contract.report_key("req-1"),
    }
    report = aws.json_object(contract.report_key("req-1"))
    assert report["usage"] == {"inputTokens": 600, "outputTokens": 80, "costUsd": 0.0008}
    assert report["status"] == report["error"] == "BudgetExceeded" and report["rounds"] == 1
    assert aws.item(REQUESTS_TABLE, "req-1")["status"]["S"] == "BudgetExceeded"


def test_an_outcome_named_by_the_graph_wins_over_the_caught_error(aws: Account) -> None:
    claim(aws)
    result = call(
        record_outcome.handler,
        {**STATE, "outcome": "ApprovalTimedOut", "failure": {"Error": "States.Timeout", "Cause": ""}},
    )
    assert result["outcome"] == "ApprovalTimedOut"
    assert aws.item(REQUESTS_TABLE, "req-1")["status"]["S"] == "ApprovalTimedOut"


def test_an_unexpected_error_is_agent_failed(aws: Account) -> None:
    claim(aws)
    result = call(
        record_outcome.handler, {**STATE, "failure": {"Error": "Lambda.ServiceException", "Cause": "boom"}}
    )
    assert result["outcome"] == "AgentFailed" and result["reason"] == "boom"


def test_a_duplicate_request_leaves_the_other_runs_item_and_report_alone(aws: Account) -> None:
    claim(aws)
    result = call(
        record_outcome.handler,
        {"requestId": "req-1", "failure": {"Error": "DuplicateRequest", "Cause": "held"}},
        execution=OTHER_EXECUTION_ID,
    )
    assert result == {"outcome": "DuplicateRequest", "reason": "held"}
    assert aws.item(REQUESTS_TABLE, "req-1")["status"]["S"] == "RUNNING"
    assert aws.keys(contract.REPORTS_PREFIX) == []


def test_an_invalid_request_without_an_id_records_nothing(aws: Account) -> None:
    result = call(
        record_outcome.handler, {"failure": {"Error": "InvalidRequest", "Cause": "requestId: required"}}
    )
    assert result == {"outcome": "InvalidRequest", "reason": "requestId: required"}
    assert aws.keys(contract.REPORTS_PREFIX) == []
