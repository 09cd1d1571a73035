"""report.py: the fault matrix goes to a file on every run, to the terminal only when the run failed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.resilience import report

CELL = {
    "workflow": "orders",
    "machine": "Workflow",
    "state": "ChargePayment",
    "kind": "transient",
    "verdict": "ok",
    "outcome": "SUCCEEDED",
    "scenario": "happy-path",
}


class Terminal:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.sections: list[str] = []

    def write_line(self, line: str) -> None:
        self.lines.append(line)

    def section(self, title: str, **_: Any) -> None:
        self.sections.append(title)


@pytest.fixture
def one_cell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "test-reports" / "fault-matrix.txt"
    monkeypatch.setattr(report, "REPORT_FILE", target)
    monkeypatch.setattr(report, "_cells", [CELL])
    monkeypatch.setattr(report, "_pairs", [])
    monkeypatch.delenv("FAULT_MATRIX", raising=False)
    return target


def test_a_green_run_prints_the_summary_and_writes_the_tables_to_a_file(one_cell: Path) -> None:
    terminal = Terminal()

    report.pytest_terminal_summary(terminal, exitstatus=0)

    assert terminal.sections == []
    assert terminal.lines == [
        "fault matrix: 1 cells (orders 1); ok 1",
        "full tables: test-reports/fault-matrix.txt",
    ]
    assert "orders Workflow ChargePayment" in one_cell.read_text()


def test_a_failed_run_prints_the_full_tables(one_cell: Path) -> None:
    terminal = Terminal()

    report.pytest_terminal_summary(terminal, exitstatus=1)

    assert terminal.sections == ["fault matrix: workflow x Task state x fault -> outcome"]
    assert any(line.startswith("orders Workflow ChargePayment") for line in terminal.lines)


def test_nothing_is_reported_when_no_cell_ran(one_cell: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "_cells", [])
    terminal = Terminal()

    report.pytest_terminal_summary(terminal, exitstatus=0)

    assert terminal.lines == [] and not one_cell.exists()
