"""CheckCircuit task: decide whether one planned call runs (`call`), probes a half-open circuit
(`probe`), waits for the cool-down (`wait`, with `waitUntil` as an ISO timestamp for the Wait
state's TimestampPath) or is skipped (`skip`).

Input: one planned call `{toolUseId, name, enteredAt, ...}`; output `{decision, waitUntil?}`.
`enteredAt` is the state's `$$.State.EnteredTime`: the breaker keeps the execution's clock, so a
Wait until `waitUntil` is followed by a check at or after `waitUntil`, on AWS and in localrun alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agent import contract, settings
from agent.circuit import CircuitBreaker
from agent.errors import InvalidRequest
from shared import environment
from shared.task import logger, task_handler


def breaker_for(event_input: dict[str, Any]) -> CircuitBreaker:
    name = event_input.get("name")
    if not isinstance(name, str) or name not in contract.TOOL_HANDLERS:
        raise InvalidRequest(f"name: one of {sorted(contract.TOOL_HANDLERS)}")
    return CircuitBreaker(environment.text(contract.BREAKERS_TABLE_ENV), name, settings.breaker())


def entered_at(event_input: dict[str, Any]) -> int:
    """Epoch seconds of `enteredAt` (ISO 8601, the state's EnteredTime); InvalidRequest when malformed."""
    value = event_input.get("enteredAt")
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise InvalidRequest("enteredAt: required ISO-8601 timestamp (the state's $$.State.EnteredTime)")
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Decide for one planned call from its tool's circuit."""
    decision = breaker_for(event_input).decide(entered_at(event_input))
    logger.info("circuit checked", extra={"tool": event_input["name"], "decision": decision.action})
    result: dict[str, Any] = {"decision": decision.action}
    if decision.wait_until is not None:
        result["waitUntil"] = datetime.fromtimestamp(decision.wait_until, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return result
