"""Usage accounting: tokens and cost added per model call, every limit enforced by name."""

from __future__ import annotations

import pytest
from agent import budget
from agent.errors import BudgetExceeded
from agent.settings import Prices

LIMITS = {"maxRounds": 2, "maxTokens": 1000, "maxCostUsd": 0.01}
PRICES = Prices(input_per_1k=0.001, output_per_1k=0.005)


def test_a_call_adds_its_tokens_and_priced_cost() -> None:
    usage = budget.charge(
        budget.empty_usage(), {"inputTokens": 500, "outputTokens": 100, "totalTokens": 600}, PRICES
    )
    assert usage == {"rounds": 0, "inputTokens": 500, "outputTokens": 100, "costUsd": 0.001, "toolCalls": 0}
    assert budget.charge(usage, {"inputTokens": 500, "outputTokens": 100}, PRICES)["costUsd"] == 0.002


@pytest.mark.parametrize(
    ("usage", "match"),
    [
        ({"inputTokens": 900, "outputTokens": 101}, "maxTokens: the run used 1001 tokens"),
        ({"inputTokens": 1, "costUsd": 0.0101}, "maxCostUsd"),
        ({"rounds": 3}, "maxRounds"),
    ],
)
def test_each_limit_is_enforced_by_name(usage: dict[str, float], match: str) -> None:
    with pytest.raises(BudgetExceeded, match=match):
        budget.enforce({**budget.empty_usage(), **usage}, LIMITS)


def test_usage_at_the_limits_passes() -> None:
    budget.enforce(
        {"rounds": 2, "inputTokens": 900, "outputTokens": 100, "costUsd": 0.01, "toolCalls": 9}, LIMITS
    )
