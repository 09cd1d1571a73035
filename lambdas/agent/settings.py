"""The agent handlers' configuration, read from the environment the construct sets (per call)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent import contract
from shared import environment
from shared.environment import MalformedSetting


@dataclass(frozen=True)
class Prices:
    """USD per 1,000 input and output tokens of the configured model."""

    input_per_1k: float
    output_per_1k: float

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return input_tokens / 1000 * self.input_per_1k + output_tokens / 1000 * self.output_per_1k


@dataclass(frozen=True)
class Breaker:
    """Circuit-breaker rules of every tool."""

    failure_threshold: int
    window_seconds: int
    cool_down_seconds: int
    max_wait_seconds: int
    probe_timeout_seconds: int


# A HALF_OPEN claim older than this is a lost probe; the construct sets it from the tool timeout.
DEFAULT_PROBE_TIMEOUT_SECONDS = 900


def prices() -> Prices:
    raw = environment.json_object(contract.PRICES_ENV)
    return Prices(
        _number(raw, "inputPer1kTokens", contract.PRICES_ENV),
        _number(raw, "outputPer1kTokens", contract.PRICES_ENV),
    )


def limits() -> dict[str, float | int]:
    """The configured maxima, one per `contract.LIMIT_KEYS`."""
    raw = environment.json_object(contract.LIMITS_ENV)
    return {key: _number(raw, key, contract.LIMITS_ENV) for key in contract.LIMIT_KEYS}


def breaker() -> Breaker:
    raw = environment.json_object(contract.BREAKER_ENV)
    probe = raw.get("probeTimeoutSeconds", DEFAULT_PROBE_TIMEOUT_SECONDS)
    values = [
        _number(raw, key, contract.BREAKER_ENV)
        for key in ("failureThreshold", "windowSeconds", "coolDownSeconds", "maxWaitSeconds")
    ]
    return Breaker(*(int(value) for value in values), probe_timeout_seconds=int(probe))


def inference_config() -> dict[str, Any]:
    return environment.json_object(contract.INFERENCE_CONFIG_ENV)


def enabled_tools() -> tuple[str, ...]:
    return environment.items(contract.ENABLED_TOOLS_ENV, required=True)


def plan_corrections() -> int:
    return environment.integer(contract.PLAN_CORRECTIONS_ENV, 1)


def _number(raw: dict[str, Any], key: str, variable: str) -> float | int:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise MalformedSetting(f"environment variable {variable}: {key} must be a non-negative number")
    return value
