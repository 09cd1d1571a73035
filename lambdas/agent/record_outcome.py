"""RecordOutcome task: write the partial run report and the Requests item's final status, for every
run that does not publish; the graph then ends in the Fail state of the outcome's name.

Input: the run state (what there is of it) with `outcome` (an outcome name the graph sets, e.g.
`ApprovalTimedOut` on the approval's timeout, `Rejected` after the last revision) and/or `failure =
{Error, Cause}` (where the graph's catchers and outcome notes put the error). Business outcomes
keep their name; anything else is `AgentFailed`.
A `DuplicateRequest` run changes nothing: the requestId's item and report belong to the other run.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agent import contract, report, request_store
from agent.record_tool_outcome import short_cause
from shared.task import execution_id, logger, task_handler

OUTCOMES = frozenset(contract.BUSINESS_OUTCOMES)


def outcome_of(event_input: dict[str, Any]) -> tuple[str, str]:
    """(outcome name, short reason)."""
    error = event_input.get("failure") if isinstance(event_input.get("failure"), dict) else {}
    named = event_input.get("outcome") or error.get("Error")
    outcome = named if named in OUTCOMES else contract.AGENT_FAILED
    reason = short_cause(error.get("Cause")) or (f"{named}" if named and named != outcome else outcome)
    return outcome, reason


def request_id_of(event_input: dict[str, Any]) -> str | None:
    request = event_input.get("request")
    candidate = request.get("requestId") if isinstance(request, dict) else event_input.get("requestId")
    return candidate if isinstance(candidate, str) and candidate else None


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Record the run's outcome; return `{outcome, reason, reportKey?}` for the graph's Choice."""
    outcome, reason = outcome_of(event_input)
    request_id = request_id_of(event_input)
    logger.info("run ended", extra={"outcome": outcome})
    if request_id is None or outcome == contract.DUPLICATE_REQUEST:
        return {"outcome": outcome, "reason": reason}
    logger.append_keys(request_id=request_id)
    if not request_store.finish(request_id, execution_id(), outcome, {"reason": reason}):
        return {"outcome": outcome, "reason": reason}
    item = request_store.get(request_id)
    usage = report.merged_usage(event_input.get("usage"), request_store.stored_usage(item))
    billed = request_store.billed_usage(item)
    key = report.write(report.build(request_id, outcome, usage, error=outcome, reason=reason, billed=billed))
    return {"outcome": outcome, "reason": reason, "reportKey": key}
