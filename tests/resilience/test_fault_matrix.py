"""The fault matrix: every Task state of every workflow with a transient, an ambiguous and a
permanent error, plus its handler's declared retried errors and its Retry's other errors, judged by
the rules in `outcomes.py` against the declarations in `spec.py` (printed by `report.py`)."""

from __future__ import annotations

import json

import pytest

from tests.resilience.conftest import Harnesses
from tests.resilience.matrix import Cell, cells

CELLS = cells()


@pytest.mark.parametrize("cell", CELLS, ids=[cell.id for cell in CELLS])
def test_fault_matrix_cell(cell: Cell, harnesses: Harnesses, record_property: pytest.RecordProperty) -> None:
    verdict = harnesses[cell.workflow].run_cell(cell)
    record_property(
        "fault_matrix",
        json.dumps(
            {
                "workflow": cell.workflow,
                "machine": cell.machine.short_name,
                "state": cell.location,
                "kind": f"{cell.kind}-{cell.named}" if cell.named else cell.kind,
                "error": cell.error,
                "verdict": verdict.verdict,
                "outcome": verdict.outcome,
                "scenario": verdict.scenario,
            }
        ),
    )
    assert verdict.handled, f"{cell.id} ({cell.error}) via {verdict.scenario}: " + "; ".join(verdict.problems)
