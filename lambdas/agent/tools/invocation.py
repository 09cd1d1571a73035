"""What every tool Lambda does around its own work: check the call against the tool's schema, store
the full result in the runs bucket, and return a small pointer to it.

Input `{requestId, round, toolUseId, name, input}`; output `{toolUseId, name, status: "success",
resultKey, bytes}`. Arguments off the schema raise `ToolFailed` (the planner checked them already).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import jsonschema
from aws_lambda_powertools.utilities.typing import LambdaContext

from agent import contract
from agent.errors import InvalidRequest, ToolFailed
from agent.tools import registry
from shared import clients, environment
from shared.task import logger, task_handler

Work = Callable[[dict[str, Any]], dict[str, Any]]


def check_call(name: str, event_input: Mapping[str, Any]) -> tuple[str, int, str, dict[str, Any]]:
    """(requestId, round, toolUseId, arguments) of a call to tool `name`."""
    request_id, round_number = event_input.get("requestId"), event_input.get("round")
    tool_use_id, arguments = event_input.get("toolUseId"), event_input.get("input")
    if not isinstance(request_id, str) or not isinstance(tool_use_id, str):
        raise InvalidRequest("requestId and toolUseId: required strings")
    if not isinstance(round_number, int) or isinstance(round_number, bool) or round_number < 1:
        raise InvalidRequest("round: required positive integer")
    if event_input.get("name") != name:
        raise InvalidRequest(f"name: this function runs {name}")
    try:
        jsonschema.validate(arguments, registry.TOOLS[name].schema)
    except jsonschema.ValidationError as error:
        raise ToolFailed(f"{name}: invalid arguments: {error.message}") from None
    return request_id, round_number, tool_use_id, dict(arguments)


def tool_handler(name: str, work: Work) -> Callable[[Mapping[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda handler of tool `name`, running `work(arguments) -> result document`."""

    @task_handler
    def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        request_id, round_number, tool_use_id, arguments = check_call(name, event_input)
        logger.append_keys(request_id=request_id, tool=name)
        body = json.dumps(work(arguments), separators=(",", ":"), sort_keys=True).encode()
        key = contract.tool_result_key(request_id, round_number, tool_use_id)
        clients.client("s3").put_object(
            Bucket=environment.text(contract.RUNS_BUCKET_ENV),
            Key=key,
            Body=body,
            ContentType="application/json",
        )
        logger.info("tool result stored", extra={"bytes": len(body)})
        return {
            "toolUseId": tool_use_id,
            "name": name,
            "status": "success",
            "resultKey": key,
            "bytes": len(body),
        }

    return handler
