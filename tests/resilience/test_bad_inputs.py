"""Bad-input corpus: every case ends fast with the workflow's input-validation error and writes nothing.

The corpus is `bad_inputs/<workflow>.json`: `{"sample": <seeded world>, "cases": [{"name", "kind",
"input", "sample"?, "stateMachine"?}]}`. Large values are written compactly and expanded here:
`{"$repeat": "x", "times": N}` is a string, `{"$array": ITEM, "times": N, "numbered": bool}` a list
(numbered: string values get `-<index>` so items differ). Each case runs against the sample's
seeded world; tables, buckets, queues, vector indexes and every event bus and topic (captured
through a queue) must be unchanged afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stacks.application import WORKFLOW_STACKS
from tests.resilience.conftest import Harnesses
from tests.resilience.outcomes import POLICIES

CORPUS = Path(__file__).parent / "bad_inputs"
KINDS = frozenset(
    {
        "missing field",
        "wrong type",
        "empty array",
        "oversized array",
        "huge string",
        "negative number",
        "unicode and control characters",
        "injection-looking string",
        "unknown field",
    }
)
# Validation is the first step or two: a refused input never gets further than this many states.
MAX_STATES = 4


def expand(value: Any) -> Any:
    """The corpus' compact notation for big values, expanded."""
    if isinstance(value, dict):
        if "$repeat" in value:
            return str(value["$repeat"]) * int(value["times"])
        if "$array" in value:
            item = value["$array"]
            return [
                _numbered(item, i) if value.get("numbered") else expand(item) for i in range(value["times"])
            ]
        return {key: expand(item) for key, item in value.items()}
    if isinstance(value, list):
        return [expand(item) for item in value]
    return value


def _numbered(item: Any, index: int) -> Any:
    if isinstance(item, str):
        return f"{item}-{index}"
    if isinstance(item, dict):
        return {key: _numbered(value, index) for key, value in item.items()}
    return item


def corpus(workflow: str) -> dict[str, Any]:
    path = CORPUS / f"{workflow}.json"
    if not path.exists():
        return {"cases": []}
    return dict(json.loads(path.read_text()))


CASES = [
    pytest.param(workflow, case, id=f"{workflow}:{case['name']}")
    for workflow in sorted(WORKFLOW_STACKS)
    for case in corpus(workflow)["cases"]
]


@pytest.mark.parametrize("workflow", sorted(WORKFLOW_STACKS))
def test_the_corpus_covers_every_kind_of_bad_input(workflow: str) -> None:
    cases = corpus(workflow)["cases"]
    assert cases, f"no bad-input corpus for {workflow}: add {CORPUS / (workflow + '.json')}"
    kinds = {case["kind"] for case in cases}
    assert kinds <= KINDS, f"unknown kinds {sorted(kinds - KINDS)}"
    assert kinds == KINDS, f"{workflow} has no case of: {sorted(KINDS - kinds)}"
    names = [case["name"] for case in cases]
    assert len(names) == len(set(names)), "case names must be unique"


@pytest.mark.parametrize(("workflow", "case"), CASES)
def test_bad_input_is_refused_fast_and_writes_nothing(
    workflow: str, case: dict[str, Any], harnesses: Harnesses
) -> None:
    harness = harnesses[workflow]
    sample = harness.samples[case.get("sample") or corpus(workflow)["sample"]]
    if "stateMachine" in case:
        assert sample.state_machine == case["stateMachine"], "a case's sample runs its state machine"
    observation, before, after = harness.refuse(sample, expand(case["input"]))
    result = observation.result
    assert result is not None, observation.summary
    allowed = POLICIES[workflow].validation_errors
    assert (result.status, result.error in allowed) == ("FAILED", True), (
        f"{case['name']} ({case['kind']}): {observation.summary}, expected one of {sorted(allowed)}; "
        f"states {list(result.states)}"
    )
    assert len(result.states) <= MAX_STATES, f"refused only after {list(result.states)}"
    changed = sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))
    assert not changed, f"{case['name']} wrote to {changed}"
    assert not observation.problems, observation.problems
