"""Double faults on the failure paths: a permanent failure at A, then a permanent failure of a Task
on A's failure route (a compensation, a record, mark or park step), judged by the rules in
`outcomes.py` with the invariants checked (the pairs are printed by `report.py`)."""

from __future__ import annotations

import json

import pytest

from tests.resilience.conftest import Harnesses
from tests.resilience.doubles import Pair, pairs, run_pair
from tests.resilience.outcomes import DOUBLE_FAULT_GAPS

PAIRS = pairs()


def _param(pair: Pair) -> object:
    gap = DOUBLE_FAULT_GAPS.get(pair.id)
    marks = [pytest.mark.xfail(reason=gap, strict=True)] if gap else []
    return pytest.param(pair, id=pair.id, marks=marks)


@pytest.mark.parametrize("pair", [_param(pair) for pair in PAIRS])
def test_double_fault(pair: Pair, harnesses: Harnesses, record_property: pytest.RecordProperty) -> None:
    verdict = run_pair(harnesses[pair.workflow], pair)
    first, second = pair.cells
    record_property(
        "double_fault",
        json.dumps(
            {
                "workflow": pair.workflow,
                "machine": pair.machine.short_name,
                "first": first.location,
                "second": second.location,
                "verdict": verdict.verdict if pair.id not in DOUBLE_FAULT_GAPS else f"{verdict.verdict}*",
                "outcome": verdict.outcome,
                "scenario": verdict.scenario,
            }
        ),
    )
    assert verdict.handled, f"{pair.id} via {verdict.scenario}: " + "; ".join(verdict.problems)


def test_double_fault_gaps_name_generated_pairs() -> None:
    stale = set(DOUBLE_FAULT_GAPS) - {pair.id for pair in PAIRS}
    assert not stale, f"DOUBLE_FAULT_GAPS entries for pairs that no longer exist: {sorted(stale)}"
