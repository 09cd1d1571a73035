"""pytest plugin: gathers the fault-matrix cells and double-fault pairs (from xdist workers too)
and prints both tables.

Registered in tests/conftest.py, so `make test` prints it; it does nothing when no cell ran.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

import pytest

KINDS = ("transient", "permanent", "ambiguous")  # matrix.KINDS, without importing the app here

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


def pytest_terminal_summary(terminalreporter: Any) -> None:
    _matrix(terminalreporter)
    _double_faults(terminalreporter)


def _double_faults(terminalreporter: Any) -> None:
    if not _pairs:
        return
    write = terminalreporter.write_line
    terminalreporter.section("double faults: (A permanent, then B on A's failure route) -> outcome")
    rows = sorted(_pairs, key=lambda p: (p["workflow"], p["machine"], p["first"], p["second"]))
    width = max(len(f"{p['workflow']} {p['machine']} {p['first']}") for p in rows) + 2
    second = max(len(p["second"]) for p in rows) + 2
    previous = None
    for pair in rows:
        key = (pair["workflow"], pair["machine"], pair["first"])
        name = "" if key == previous else " ".join(key)
        previous = key
        write(
            f"{name:<{width}} + {pair['second']:<{second}} {pair['verdict']:<10} {pair['outcome']}"
            f"  [{pair['scenario']}]"
        )
    per_workflow = Counter(pair["workflow"] for pair in _pairs)
    verdicts = Counter(pair["verdict"] for pair in _pairs)
    write(
        f"double faults: {len(_pairs)} pairs ("
        + ", ".join(f"{workflow} {count}" for workflow, count in sorted(per_workflow.items()))
        + "); "
        + ", ".join(f"{verdict} {count}" for verdict, count in sorted(verdicts.items()))
        + " (* a known gap, DOUBLE_FAULT_GAPS)"
    )


def _matrix(terminalreporter: Any) -> None:
    if not _cells:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fault matrix: workflow x Task state x fault -> outcome")
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
            write(f"{name:<{width}} {kind:<12} {cell['verdict']:<12} {cell['outcome']}  [{cell['scenario']}]")
            name = ""
    per_workflow = Counter(cell["workflow"] for cell in _cells)
    verdicts = Counter(cell["verdict"] for cell in _cells)
    write(
        f"fault matrix: {len(_cells)} cells ("
        + ", ".join(f"{workflow} {count}" for workflow, count in sorted(per_workflow.items()))
        + "); "
        + ", ".join(f"{verdict} {count}" for verdict, count in sorted(verdicts.items()))
    )
