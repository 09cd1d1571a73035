"""Circuit breaker per tool, kept in the breakers table (one item per tool, times in epoch seconds).

CLOSED: calls go through; failures are counted in a window (`windowSeconds`), and the
`failureThreshold`-th opens the circuit until `openUntil` (now + `coolDownSeconds`).
OPEN: calls are skipped, or wait when the cool-down ends within `maxWaitSeconds`; once it has
passed, one caller claims the half-open probe with a conditional write (OPEN -> HALF_OPEN), so
concurrent callers cannot all probe. HALF_OPEN: the probe's success closes the circuit, its
failure re-opens it; a claim older than `probeTimeoutSeconds` (a lost probe) may be claimed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from agent import contract
from agent.settings import Breaker
from shared import clients
from shared.dynamodb import error_code

CLAIM_ATTEMPTS = 3


@dataclass(frozen=True)
class Decision:
    """What one planned call does: `call`, `probe`, `wait` (until `wait_until`) or `skip`."""

    action: str
    wait_until: int | None = None


class CircuitBreaker:
    """The breaker rules of one tool over the breakers table."""

    def __init__(self, table: str, tool: str, rules: Breaker, client: Any | None = None) -> None:
        self.table = table
        self.tool = tool
        self.rules = rules
        self.client = client or clients.client("dynamodb")

    def decide(self, now: int) -> Decision:
        """Decide for one call at `now`; a lost claim race re-reads the item."""
        for _ in range(CLAIM_ATTEMPTS):
            item = self._get()
            state = _text(item, "state", contract.CIRCUIT_CLOSED)
            if state == contract.CIRCUIT_CLOSED:
                return Decision(contract.CALL)
            ready_at = (
                _number(item, "openUntil")
                if state == contract.CIRCUIT_OPEN
                else _number(item, "probeExpiresAt")
            )
            if now >= ready_at:
                if self._claim_probe(state, now):
                    return Decision(contract.PROBE)
                continue
            if ready_at - now <= self.rules.max_wait_seconds:
                return Decision(contract.WAIT, ready_at)
            return Decision(contract.SKIP)
        return Decision(contract.SKIP)

    def record_success(self, now: int, probe: bool) -> None:
        """A probe's success closes the circuit; any success while closed resets the count."""
        condition = "#state = :halfOpen" if probe else "attribute_not_exists(#state) OR #state = :closed"
        self._update(
            "SET #state = :closed, failures = :zero, windowStart = :now, updatedAt = :now "
            "REMOVE openUntil, probeExpiresAt",
            condition,
            {":closed": contract.CIRCUIT_CLOSED, ":zero": 0, ":now": now}
            | ({":halfOpen": contract.CIRCUIT_HALF_OPEN} if probe else {}),
        )

    def record_failure(self, now: int, probe: bool) -> None:
        """A probe's failure re-opens the circuit; other failures are counted and may open it."""
        if probe:
            self._open(now, "#state = :halfOpen", {":halfOpen": contract.CIRCUIT_HALF_OPEN})
            return
        failures = self._count_failure(now)
        if failures >= self.rules.failure_threshold:
            self._open(
                now, "attribute_not_exists(#state) OR #state = :closed", {":closed": contract.CIRCUIT_CLOSED}
            )

    def _count_failure(self, now: int) -> int:
        """Add one failure to the current window (or start a new window); the count after it."""
        window_start = now - self.rules.window_seconds
        if self._update(
            "ADD failures :one SET updatedAt = :now",
            "windowStart > :windowStart",
            {":one": 1, ":now": now, ":windowStart": window_start},
        ):
            return _number(self._get(), "failures")
        if self._update(
            "SET failures = :one, windowStart = :now, updatedAt = :now",
            "attribute_not_exists(windowStart) OR windowStart <= :windowStart",
            {":one": 1, ":now": now, ":windowStart": window_start},
        ):
            return 1
        return self._count_failure(now)

    def _open(self, now: int, condition: str, values: dict[str, Any]) -> bool:
        return self._update(
            "SET #state = :open, openUntil = :until, failures = :zero, windowStart = :now, updatedAt = :now "
            "REMOVE probeExpiresAt",
            condition,
            {
                ":open": contract.CIRCUIT_OPEN,
                ":until": now + self.rules.cool_down_seconds,
                ":zero": 0,
                ":now": now,
            }
            | values,
        )

    def _claim_probe(self, state: str, now: int) -> bool:
        ready = "openUntil" if state == contract.CIRCUIT_OPEN else "probeExpiresAt"
        return self._update(
            "SET #state = :halfOpen, probeExpiresAt = :expires, updatedAt = :now",
            f"#state = :state AND {ready} <= :now",
            {
                ":halfOpen": contract.CIRCUIT_HALF_OPEN,
                ":expires": now + self.rules.probe_timeout_seconds,
                ":now": now,
                ":state": state,
            },
        )

    def _get(self) -> dict[str, Any]:
        response = self.client.get_item(TableName=self.table, Key=self._key(), ConsistentRead=True)
        item: dict[str, Any] = response.get("Item", {})
        return item

    def _update(self, expression: str, condition: str, values: dict[str, Any]) -> bool:
        """One conditional UpdateItem; False when the condition did not hold."""
        used_state = "#state" in expression or "#state" in condition
        try:
            self.client.update_item(
                TableName=self.table,
                Key=self._key(),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeValues={name: _attribute(value) for name, value in values.items()},
                **({"ExpressionAttributeNames": {"#state": "state"}} if used_state else {}),
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _key(self) -> dict[str, Any]:
        return {contract.BREAKERS_KEY: {"S": self.tool}}


def _attribute(value: Any) -> dict[str, str]:
    return {"N": str(value)} if isinstance(value, int) else {"S": str(value)}


def _text(item: dict[str, Any], name: str, default: str) -> str:
    return str(item.get(name, {}).get("S", default))


def _number(item: dict[str, Any], name: str) -> int:
    return int(item.get(name, {}).get("N", "0"))
