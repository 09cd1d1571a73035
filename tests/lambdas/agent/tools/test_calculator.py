"""calculator: arithmetic only, by the parsed tree; names, calls and huge exponents refused."""

from __future__ import annotations

import pytest
from agent.errors import ToolFailed
from agent.tools import calculator

from tests.lambdas.agent.agentaws import Account
from tests.lambdas.agent.conftest import call


@pytest.mark.parametrize(
    ("expression", "value"),
    [("6*7", 42), ("(1 + 2) * -3", -9), ("7 // 2 + 7 % 2", 4), ("2 ** 10", 1024), ("1 / 4", 0.25), ("+5", 5)],
)
def test_arithmetic_is_evaluated(expression: str, value: float) -> None:
    assert calculator.evaluate(expression) == value


@pytest.mark.parametrize(
    ("expression", "match"),
    [
        ("__import__('os').system('id')", "Call is not allowed"),
        ("x + 1", "Name is not allowed"),
        ("(1).real", "Attribute is not allowed"),
        ("'a' * 3", "Constant is not allowed"),
        ("[1, 2]", "List is not allowed"),
        ("2 ** 1000", "exponents above 100"),
        ("10 ** 99 * 10 ** 99", "too large"),
        ("1 / 0", "division by zero"),
        ("(-8) ** 0.5", "not a real number"),
        ("1 +", "not an arithmetic expression"),
        ("1e308 * 10", "too large"),
        ("1e99 * 1e99 * 1e99 * 1e99", "too large"),
        ("1e309 - 1", "not a finite number"),
        ("True + 1", "Constant is not allowed"),
    ],
)
def test_anything_but_bounded_arithmetic_is_refused(expression: str, match: str) -> None:
    with pytest.raises(ToolFailed, match=match):
        calculator.evaluate(expression)


def test_the_handler_stores_the_result_and_returns_a_pointer(aws: Account) -> None:
    result = call(
        calculator.handler,
        {
            "requestId": "req-1",
            "round": 1,
            "toolUseId": "t1",
            "name": "calculator",
            "input": {"expression": "6*7"},
        },
    )
    assert result == {
        "toolUseId": "t1",
        "name": "calculator",
        "status": "success",
        "resultKey": "tool-results/req-1/01/t1.json",
        "bytes": 31,
    }
    assert aws.json_object(result["resultKey"]) == {"expression": "6*7", "value": 42}


def test_arguments_off_the_schema_are_a_tool_failure(aws: Account) -> None:
    with pytest.raises(ToolFailed, match="invalid arguments"):
        call(
            calculator.handler,
            {
                "requestId": "req-1",
                "round": 1,
                "toolUseId": "t1",
                "name": "calculator",
                "input": {"expression": 6},
            },
        )
