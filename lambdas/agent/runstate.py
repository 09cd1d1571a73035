"""The run state the agent's tasks pass along (small: big things live in the runs bucket)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent import contract
from agent.errors import InvalidRequest


@dataclass(frozen=True)
class Run:
    request_id: str
    task: str
    tools: list[str]
    limits: dict[str, Any]
    usage: dict[str, Any]
    revision: int


def parse(state: Mapping[str, Any]) -> Run:
    """The run state's fields, or `InvalidRequest` naming the missing one (a wiring bug)."""
    request = state.get("request")
    if not isinstance(request, dict) or not isinstance(request.get("requestId"), str):
        raise InvalidRequest("request.requestId: required string")
    limits = state.get("limits")
    if not isinstance(limits, dict) or any(name not in limits for name in contract.LIMIT_KEYS):
        raise InvalidRequest(f"limits: required object with {list(contract.LIMIT_KEYS)}")
    usage = state.get("usage")
    if not isinstance(usage, dict):
        raise InvalidRequest("usage: required object")
    return Run(
        request_id=request["requestId"],
        task=str(request.get("task", "")),
        tools=list(request.get("tools", [])),
        limits=dict(limits),
        usage=dict(usage),
        revision=int(state.get("revision", 0)),
    )


def with_plan(state: Mapping[str, Any], outcome: Any) -> dict[str, Any]:
    """`state` with the planning outcome as `plan` and its usage."""
    return {**state, "plan": {"calls": outcome.calls, "done": outcome.done}, "usage": outcome.usage}
