"""calculator tool: arithmetic by walking the parsed expression (`ast`), never `eval`.

Numbers, + - * / // % **, unary minus/plus and parentheses only; names, calls, attributes and
anything else are refused, and so are exponents and results too large to compute safely.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

from agent.errors import ToolFailed
from agent.tools.invocation import tool_handler
from agent.tools.registry import MAX_EXPRESSION_CHARS

MAX_EXPONENT = 100
MAX_MAGNITUDE = 10**100
BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}


def evaluate(expression: str) -> int | float:
    """The value of `expression`; `ToolFailed` naming what is not allowed or cannot be computed."""
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ToolFailed(f"calculator: the expression is longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        raise ToolFailed("calculator: not an arithmetic expression") from None
    return _value(tree.body)


def _value(node: ast.AST) -> int | float:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return _bounded(node.value)
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        return _bounded(UNARY[type(node.op)](_value(node.operand)))
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        left, right = _value(node.left), _value(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise ToolFailed(f"calculator: exponents above {MAX_EXPONENT} are refused")
        try:
            result = BINARY[type(node.op)](left, right)
        except ZeroDivisionError:
            raise ToolFailed("calculator: division by zero") from None
        except OverflowError:
            raise ToolFailed("calculator: the result is too large") from None
        if isinstance(result, complex):
            raise ToolFailed("calculator: the result is not a real number")
        return _bounded(result)
    raise ToolFailed(
        f"calculator: {type(node).__name__} is not allowed; only numbers and arithmetic operators"
    )


def _bounded(value: Any) -> int | float:
    if isinstance(value, float) and not math.isfinite(value):
        raise ToolFailed("calculator: the result is not a finite number")
    if abs(value) > MAX_MAGNITUDE:
        raise ToolFailed("calculator: the result is too large")
    return value  # type: ignore[no-any-return]


def run(arguments: dict[str, Any]) -> dict[str, Any]:
    return {"expression": arguments["expression"], "value": evaluate(arguments["expression"])}


handler = tool_handler("calculator", run)
