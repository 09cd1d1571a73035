"""Usage accounting of one run: tokens and cost added per model call, and the limits enforced."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.errors import BudgetExceeded
from agent.settings import Prices

USAGE_KEYS = ("rounds", "inputTokens", "outputTokens", "costUsd", "toolCalls")


def empty_usage() -> dict[str, Any]:
    return {"rounds": 0, "inputTokens": 0, "outputTokens": 0, "costUsd": 0, "toolCalls": 0}


def priced(model_usage: Mapping[str, Any], prices: Prices) -> dict[str, Any]:
    """One Converse call's `usage` block (inputTokens, outputTokens) with its cost."""
    spent_in = int(model_usage.get("inputTokens", 0))
    spent_out = int(model_usage.get("outputTokens", 0))
    return {"inputTokens": spent_in, "outputTokens": spent_out, "costUsd": prices.cost(spent_in, spent_out)}


def charge(usage: Mapping[str, Any], model_usage: Mapping[str, Any], prices: Prices) -> dict[str, Any]:
    """`usage` plus one Converse call's `usage` block (inputTokens, outputTokens), priced."""
    call = priced(model_usage, prices)
    updated = dict(usage)
    updated["inputTokens"] = int(usage.get("inputTokens", 0)) + call["inputTokens"]
    updated["outputTokens"] = int(usage.get("outputTokens", 0)) + call["outputTokens"]
    updated["costUsd"] = round(float(usage.get("costUsd", 0)) + call["costUsd"], 6)
    return updated


def at_least(usage: Mapping[str, Any], floor: Mapping[str, Any]) -> dict[str, Any]:
    """`usage` with each number raised to `floor`'s where that is larger."""
    merged = dict(usage)
    for name, value in floor.items():
        if isinstance(value, int | float) and value > merged.get(name, 0):
            merged[name] = value
    return merged


def enforce(usage: Mapping[str, Any], limits: Mapping[str, Any]) -> None:
    """Raise `BudgetExceeded` naming the first limit the run has passed."""
    tokens = int(usage.get("inputTokens", 0)) + int(usage.get("outputTokens", 0))
    if tokens > limits["maxTokens"]:
        raise BudgetExceeded(f"maxTokens: the run used {tokens} tokens, the limit is {limits['maxTokens']}")
    cost = float(usage.get("costUsd", 0))
    if cost > float(limits["maxCostUsd"]):
        raise BudgetExceeded(f"maxCostUsd: the run cost {cost:.6f} USD, the limit is {limits['maxCostUsd']}")
    if int(usage.get("rounds", 0)) > limits["maxRounds"]:
        raise BudgetExceeded(
            f"maxRounds: the model asked for round {usage['rounds']}, the limit is {limits['maxRounds']}"
        )
