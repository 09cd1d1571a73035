"""The run report: written for every run (success or not) at `report_key(requestId)`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent import budget, contract
from shared import clients, environment, s3io


def build(request_id: str, status: str, usage: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """Rounds, tool calls, tokens in/out and cost of the run, with its status and `extra` fields."""
    return {
        "requestId": request_id,
        "status": status,
        "rounds": int(usage.get("rounds", 0)),
        "toolCalls": int(usage.get("toolCalls", 0)),
        "usage": {
            "inputTokens": int(usage.get("inputTokens", 0)),
            "outputTokens": int(usage.get("outputTokens", 0)),
            "costUsd": float(usage.get("costUsd", 0)),
        },
        **extra,
    }


def write(report: Mapping[str, Any]) -> str:
    key = contract.report_key(str(report["requestId"]))
    s3io.put_json(clients.client("s3"), environment.text(contract.RUNS_BUCKET_ENV), key, dict(report))
    return key


def merged_usage(state_usage: Mapping[str, Any] | None, stored: Mapping[str, Any]) -> dict[str, Any]:
    """The larger of each figure in the state and on the Requests item (which a failed model call
    updated after the state last saw it)."""
    return budget.at_least(state_usage or {}, stored)
