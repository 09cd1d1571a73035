"""asl-validator and @wmfs/statelint over every extracted definition: zero errors.

Both run once per test worker over all definitions (deduplicated across environments), the shapes
fixture and the known-bad corpus; the bad ones prove in the same process that the linters still bite.
"""

from __future__ import annotations

import re

import pytest

from tests.quality.allowlists import STATELINT_SCHEMA_GAPS
from tests.quality.asl_batch import Batch, is_schema_gap
from tests.quality.bad_definitions import BAD_DEFINITIONS
from tests.quality.linters import NODE_BIN


def _report(batch: Batch, problems_of) -> list[str]:
    lines = []
    for path, labels in {**batch.real, **{p: [label] for p, label in batch.fixtures.items()}}.items():
        problems = problems_of(path)
        if problems:
            lines.append(f"{', '.join(labels)} ({path.name}):")
            lines.extend(f"    {problem}" for problem in problems)
    return lines


def test_asl_validator_accepts_every_definition(asl_batch: Batch):
    lines = _report(asl_batch, lambda path: asl_batch.problems("asl-validator", path))
    assert not lines, "asl-validator rejected:\n" + "\n".join(lines)


def test_statelint_accepts_every_definition(asl_batch: Batch):
    lines = _report(asl_batch, asl_batch.statelint_problems)
    assert not lines, "statelint rejected:\n" + "\n".join(lines)


def test_inventory_of_linted_definitions(asl_batch: Batch):
    """Prints what the linters covered (run with -rP to see it)."""
    sources = sum(len(labels) for labels in asl_batch.real.values())
    checked = [*asl_batch.real, *asl_batch.fixtures]
    gaps = sum(
        len(asl_batch.problems("statelint", path)) - len(asl_batch.statelint_problems(path))
        for path in checked
    )
    print(
        f"ASL lints: {sources} app definitions ({len(asl_batch.real)} distinct) + "
        f"{len(asl_batch.fixtures)} fixture + {len(asl_batch.bad)} known-bad, one process per linter; "
        f"{gaps} statelint schema-gap reports ignored (STATELINT_SCHEMA_GAPS)"
    )
    assert asl_batch.real and asl_batch.fixtures
    assert gaps > 0, "the shapes fixture's Distributed Map should exercise the schema-gap filter"


@pytest.mark.parametrize(
    ("name", "tool"),
    [(name, tool) for name, (_, tools) in sorted(BAD_DEFINITIONS.items()) for tool in sorted(tools)],
)
def test_linters_reject_the_known_bad_definitions(asl_batch: Batch, name: str, tool: str):
    assert asl_batch.problems(tool, asl_batch.bad[name]), f"{tool} accepted the bad definition {name!r}"


def test_statelint_schema_gaps_are_still_gaps():
    schema = (NODE_BIN.parent / "@wmfs" / "statelint" / "lib" / "schema" / "StateMachine.j2119").read_text()
    learned = [field for field in STATELINT_SCHEMA_GAPS if re.search(rf'field named "{field}"', schema)]
    assert not learned, f"statelint now knows {learned}: remove them from STATELINT_SCHEMA_GAPS"


def test_schema_gap_is_ignored_only_on_a_map_state():
    document = {"StartAt": "M", "States": {"M": {"Type": "Map"}, "T": {"Type": "Task"}}}
    assert is_schema_gap('Field "ItemReader" not allowed in State Machine.States.M', document)
    assert not is_schema_gap('Field "ItemReader" not allowed in State Machine.States.T', document)
    assert not is_schema_gap('Field "Bogus" not allowed in State Machine.States.M', document)
    assert not is_schema_gap('Field "ItemReader" not allowed in State Machine.States.Missing', document)
