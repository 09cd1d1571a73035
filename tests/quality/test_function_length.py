"""No function under stacks/ is longer than the package template allows: graphs read as sections."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 60


def long_functions(source: str, limit: int = MAX_LINES) -> list[tuple[str, int]]:
    """(name, lines) of every function or method in `source` longer than `limit` lines."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > limit:
                found.append((node.name, length))
    return found


def test_no_function_under_stacks_is_longer_than_the_limit() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{name} ({length} lines)"
        for path in sorted((ROOT / "stacks").rglob("*.py"))
        for name, length in long_functions(path.read_text())
    ]

    assert not found, f"functions over {MAX_LINES} lines (split into named sections):\n" + "\n".join(found)


@pytest.mark.parametrize(("body_lines", "expected"), [(58, []), (59, [("long", 61)])])
def test_the_limit_counts_signature_and_body(body_lines: int, expected: list[tuple[str, int]]) -> None:
    source = "def long():\n" + "    x = 1\n" * body_lines + "    return x\n"

    assert long_functions(source) == expected
