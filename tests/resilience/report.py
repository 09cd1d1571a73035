"""pytest plugin: gathers the fault-matrix cells and double-fault pairs (from xdist workers too)
and reports both tables.

Registered in tests/conftest.py. The full tables go to `test-reports/fault-matrix.txt` on every run
that ran a cell; the terminal shows them only when the run failed (or with FAULT_MATRIX=print), and
otherwise one summary line per table and where the file is. Nothing when no cell ran.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

KINDS = ("transient", "permanent", "ambiguous")  # matrix.KINDS, without importing the app here

REPORT_FILE = Path(__file__).resolve().parents[2] / "test-reports" / "fault-matrix.txt"

_cells: list[dict[str, Any]] = []
_pairs: list[dict[str, Any]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    for name, value in report.user_properties:
        if name == "fault_matrix":
            _cells.append(json.loads(str(value)))
        elif name == "double_fault":
            _pairs.append(json.loads(str(value)))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int) -> None:
    tables = [table for table in (_matrix(), _double_faults()) if table is not None]
    if not tables:
        return
    REPORT_FILE.parent.mkdir(exist_ok=True)
    REPORT_FILE.write_text(
        "\n\n".join("\n".join([f"== {title}", *rows, summary]) for title, rows, summary in tables) + "\n"
    )
    if exitstatus != 0 or os.environ.get("FAULT_MATRIX") == "print":
        for title, rows, summary in tables:
            terminalreporter.section(title)
            for line in [*rows, summary]:
                terminalreporter.write_line(line)
        return
    for _, _, summary in tables:
        terminalreporter.write_line(summary)
    terminalreporter.write_line(f"full tables: {REPORT_FILE.relative_to(REPORT_FILE.parents[1])}")


Table = tuple[str, list[str], str]


def _double_faults() -> Table | None:
    if not _pairs:
        return None
    lines = []
    rows = sorted(_pairs, key=lambda p: (p["workflow"], p["machine"], p["first"], p["second"]))
    width = max(len(f"{p['workflow']} {p['machine']} {p['first']}") for p in rows) + 2
    second = max(len(p["second"]) for p in rows) + 2
    previous = None
    for pair in rows:
        key = (pair["workflow"], pair["machine"], pair["first"])
        name = "" if key == previous else " ".join(key)
        previous = key
        lines.append(
            f"{name:<{width}} + {pair['second']:<{second}} {pair['verdict']:<10} {pair['outcome']}"
            f"  [{pair['scenario']}]"
        )
    per_workflow = Counter(pair["workflow"] for pair in _pairs)
    verdicts = Counter(pair["verdict"] for pair in _pairs)
    summary = (
        f"double faults: {len(_pairs)} pairs ("
        + ", ".join(f"{workflow} {count}" for workflow, count in sorted(per_workflow.items()))
        + "); "
        + ", ".join(f"{verdict} {count}" for verdict, count in sorted(verdicts.items()))
        + " (* a known gap, DOUBLE_FAULT_GAPS)"
    )
    return "double faults: (A permanent, then B on A's failure route) -> outcome", lines, summary


def _matrix() -> Table | None:
    if not _cells:
        return None
    lines = []
    rows: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
    for cell in _cells:
        rows[(cell["workflow"], cell["machine"], cell["state"])][cell["kind"]] = cell
    width = max(len(f"{w} {m} {s}") for w, m, s in rows) + 2
    for (workflow, machine, state), kinds in sorted(rows.items()):
        name = f"{workflow} {machine} {state}"
        for kind in [*KINDS, *sorted(set(kinds) - set(KINDS))]:  # then `raised-X`, `listed-X` cells
            cell = kinds.get(kind)
            if cell is None:
                continue
            lines.append(
                f"{name:<{width}} {kind:<12} {cell['verdict']:<12} {cell['outcome']}  [{cell['scenario']}]"
            )
            name = ""
    per_workflow = Counter(cell["workflow"] for cell in _cells)
    verdicts = Counter(cell["verdict"] for cell in _cells)
    summary = (
        f"fault matrix: {len(_cells)} cells ("
        + ", ".join(f"{workflow} {count}" for workflow, count in sorted(per_workflow.items()))
        + "); "
        + ", ".join(f"{verdict} {count}" for verdict, count in sorted(verdicts.items()))
    )
    return "fault matrix: workflow x Task state x fault -> outcome", lines, summary
