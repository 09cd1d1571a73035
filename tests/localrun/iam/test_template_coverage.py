"""Every condition the project's synthesized templates use is either evaluated by localrun or
listed as not supplied with a reason: a new condition key or operator fails here first."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localrun.iam.conditions import SUPPORTED_OPERATORS, glob_match
from localrun.iam.requests import NOT_SUPPLIED_CONDITION_KEYS, SUPPLIED_CONDITION_KEYS

SNAPSHOTS = Path(__file__).resolve().parents[2] / "stacks" / "__snapshots__" / "test_snapshots"
POLICY_PROPERTIES = ("PolicyDocument", "KeyPolicy")


def _documents(template: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        for name in POLICY_PROPERTIES:
            if isinstance(properties.get(name), dict):
                yield properties[name]
        for inline in properties.get("Policies", []) if isinstance(properties.get("Policies"), list) else []:
            yield inline.get("PolicyDocument", {})


def _conditions() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in sorted(SNAPSHOTS.glob("test_workflow_template*.json")):
        for document in _documents(json.loads(path.read_text())):
            statements = document.get("Statement", [])
            for statement in statements if isinstance(statements, list) else [statements]:
                for operator, keys in statement.get("Condition", {}).items():
                    found.update((operator, key) for key in keys)
    return found


CONDITIONS = _conditions()


def test_the_templates_use_conditions() -> None:
    assert {key for _, key in CONDITIONS} >= {"aws:SecureTransport", "s3:prefix", "iam:PassedToService"}


@pytest.mark.parametrize(("operator", "key"), sorted(CONDITIONS))
def test_every_condition_is_evaluated_or_listed(operator: str, key: str) -> None:
    base = operator.rpartition(":")[2].removesuffix("IfExists")
    assert base in SUPPORTED_OPERATORS
    supplied = any(glob_match(pattern, key, ignore_case=True) for pattern in SUPPLIED_CONDITION_KEYS)
    assert supplied or key in NOT_SUPPLIED_CONDITION_KEYS, f"{key}: supply it or list it with a reason"
