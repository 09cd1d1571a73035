"""Validate task: check the request by name, claim its requestId, and start the run state.

A requestId already published answers `{"duplicate": true, "answerKey": ...}` (nothing is published
twice); one held by another running execution raises `DuplicateRequest`. The requester is personal
data: it leaves this task only as a hash on the Requests item.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agent import budget, request_store, settings
from agent.errors import DuplicateRequest, InvalidRequest
from shared.task import execution_id, logger, task_handler

REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_TASK_CHARS = 8000
MAX_REQUESTER_CHARS = 256
FIELDS = frozenset({"requestId", "task", "requester", "tools", "budget"})
BUDGET_FIELDS = ("maxRounds", "maxTokens", "maxCostUsd")


def check_request(event: Mapping[str, Any], enabled: tuple[str, ...]) -> tuple[str, str, str, list[str]]:
    """(requestId, task, requester, tools), or `InvalidRequest` naming the first bad field."""
    extra = sorted(set(event) - FIELDS)
    if extra:
        raise InvalidRequest(f"{extra[0]}: unknown field")
    request_id = event.get("requestId")
    if not isinstance(request_id, str) or not REQUEST_ID.match(request_id):
        raise InvalidRequest("requestId: required, 1-64 letters, digits, '.', '_' or '-'")
    task = event.get("task")
    if not isinstance(task, str) or not task.strip() or len(task) > MAX_TASK_CHARS:
        raise InvalidRequest(f"task: required non-blank string of at most {MAX_TASK_CHARS} characters")
    requester = event.get("requester")
    if not isinstance(requester, str) or not requester.strip() or len(requester) > MAX_REQUESTER_CHARS:
        raise InvalidRequest(f"requester: required string of at most {MAX_REQUESTER_CHARS} characters")
    tools = event.get("tools", list(enabled))
    if not isinstance(tools, list) or not tools or not all(isinstance(name, str) for name in tools):
        raise InvalidRequest("tools: a non-empty list of tool names")
    unknown = [name for name in tools if name not in enabled]
    if unknown:
        raise InvalidRequest(f"tools: {unknown[0]!r} is not enabled; enabled are {list(enabled)}")
    if len(set(tools)) != len(tools):
        raise InvalidRequest("tools: names must be unique")
    return request_id, task, requester, tools


def run_limits(requested: Any, configured: Mapping[str, Any]) -> dict[str, Any]:
    """The configured limits, lowered where the request's budget asks for less (never raised)."""
    if requested is None:
        requested = {}
    if not isinstance(requested, dict):
        raise InvalidRequest("budget: must be an object")
    extra = sorted(set(requested) - set(BUDGET_FIELDS))
    if extra:
        raise InvalidRequest(f"budget.{extra[0]}: unknown field; allowed are {list(BUDGET_FIELDS)}")
    limits = dict(configured)
    for name, value in requested.items():
        number_ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        if name != "maxCostUsd" and not isinstance(value, int):
            number_ok = False
        if not number_ok or value > configured[name]:
            raise InvalidRequest(f"budget.{name}: a positive number at most {configured[name]}")
        limits[name] = value
    return limits


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Check the request, claim it for this execution, and return the initial run state."""
    request_id, task, requester, tools = check_request(event_input, settings.enabled_tools())
    limits = run_limits(event_input.get("budget"), settings.limits())
    logger.append_keys(request_id=request_id)
    try:
        request_store.claim(request_id, execution_id(), requester)
    except request_store.Taken as taken:
        if taken.item.get("status", {}).get("S") == request_store.PUBLISHED:
            logger.info("duplicate of a published request")
            return {"duplicate": True, "requestId": request_id, "answerKey": taken.item["answerKey"]["S"]}
        raise DuplicateRequest(f"requestId {request_id} is being handled by another execution") from None
    return {
        "duplicate": False,
        "request": {"requestId": request_id, "task": task, "tools": tools},
        "limits": limits,
        "usage": budget.empty_usage(),
        "revision": 0,
    }
