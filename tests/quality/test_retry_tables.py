"""Retry policies for a service are declared once, in stacks/common/tasks.py (issue 19, item 2).

A state that calls a service directly applies that service's table, changed where it applies it
(`.with_errors(...)`, `.without_errors(...)`, `.with_attempts(n)`); a second `sdk_throttling_retry`
call elsewhere is a second, drifting declaration of the same service's policy.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TABLES = Path("stacks/common/tasks.py")
FACTORY = "sdk_throttling_retry"


def declarations_outside_tables(sources: dict[Path, str]) -> list[str]:
    """`<path>:<line>` of every call of the per-service factory outside the tables module."""
    found = []
    for path, text in sorted(sources.items()):
        if path == TABLES:
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name == FACTORY:
                    found.append(f"{path}:{node.lineno}")
    return found


def _stack_sources() -> dict[Path, str]:
    return {path.relative_to(ROOT): path.read_text() for path in (ROOT / "stacks").rglob("*.py")}


def test_service_retry_policies_are_declared_only_in_the_tables():
    assert not declarations_outside_tables(_stack_sources())


def test_a_second_declaration_is_found():
    sources = {
        TABLES: f"DYNAMODB_RETRY = {FACTORY}('DynamoDB')\n",
        Path("stacks/orders/definition.py"): (
            f"from stacks.common import tasks\nRETRY = tasks.{FACTORY}('DynamoDB', 'DynamoDB.X')\n"
        ),
    }
    assert declarations_outside_tables(sources) == ["stacks/orders/definition.py:2"]
