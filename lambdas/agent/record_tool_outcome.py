"""RecordToolSuccess / RecordToolFailure task: tell the tool's circuit how the call went and
return the call's result for Aggregate.

Input `{toolUseId, name, decision: "call"|"probe", result?: <the tool's output>, error?: {Error,
Cause}}` (`error` present after the tool's Catch). A failure becomes `{toolUseId, name, status:
"error", error, cause}` (cause short, without a stack trace): the run goes on.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agent import contract
from agent.check_circuit import breaker_for, entered_at
from agent.errors import InvalidRequest
from shared.errors import cause_message
from shared.task import logger, task_handler

MAX_CAUSE_CHARS = 300


def short_cause(cause: Any) -> str:
    """The message of a Lambda error's Cause (its JSON `errorMessage`), first line, truncated."""
    lines = cause_message(cause or "").strip().splitlines()
    return (lines[0] if lines else "")[:MAX_CAUSE_CHARS]


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Record the outcome on the breaker; return the success as given, or the failure recorded."""
    breaker = breaker_for(event_input)
    probe = event_input.get("decision") == contract.PROBE
    error = event_input.get("error")
    now = entered_at(event_input)
    if isinstance(error, dict):
        breaker.record_failure(now, probe)
        logger.info("tool failed", extra={"tool": breaker.tool, "error": error.get("Error"), "probe": probe})
        return {
            "toolUseId": event_input.get("toolUseId"),
            "name": breaker.tool,
            "status": "error",
            "error": str(error.get("Error", contract.TOOL_FAILED)),
            "cause": short_cause(error.get("Cause")),
        }
    result = event_input.get("result")
    if not isinstance(result, dict) or result.get("status") != "success":
        raise InvalidRequest("result: required tool result with status 'success' (or error from the Catch)")
    breaker.record_success(now, probe)
    return result
