"""bench/report.py: results.json merging and the generated part of BENCHMARKS.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import report
from bench.figures import Figure, Target

MACHINE = {"date": "2026-11-22 21:00 UTC", "cpu": "Test CPU", "cores": 2, "memoryGiB": 24.0, "python": "3.11"}


def section(*figures: Figure) -> dict:
    return {"figures": [figure.to_dict() for figure in figures], "details": {}, "seconds": 1.0}


def test_a_partial_run_replaces_its_sections_and_keeps_the_others() -> None:
    old = {"sections": {"synth": {"figures": [], "machine": {"date": "old"}}, "cost": {"figures": []}}}
    new = report.merge(old, MACHINE, {"cost": section(Figure("cost", "a", 1, "$"))})
    assert new["sections"]["synth"]["machine"] == {"date": "old"}
    assert new["sections"]["cost"]["machine"] == MACHINE
    assert new["sections"]["cost"]["figures"][0]["name"] == "a"


def test_benchmarks_md_is_regenerated_between_its_markers_only(tmp_path: Path) -> None:
    page = tmp_path / "BENCHMARKS.md"
    page.write_text(f"# Hand-written\nintro\n{report.BEGIN}\nstale\n{report.END}\nanalysis stays\n")
    results = report.merge(
        {}, MACHINE, {"cost": section(Figure("cost", "orders | saga", 20, "transitions", Target("<=", 25)))}
    )
    report.update_benchmarks(results, page)
    text = page.read_text()
    assert text.startswith("# Hand-written\nintro\n") and text.endswith("analysis stays\n")
    assert "stale" not in text
    assert "| orders \\| saga | 20 transitions | ≤ 25 transitions | met |" in text
    assert "Test CPU, 2 cores" in text


def test_a_section_that_failed_says_so(tmp_path: Path) -> None:
    page = tmp_path / "BENCHMARKS.md"
    page.write_text(f"{report.BEGIN}\n{report.END}\n")
    results = report.merge({}, MACHINE, {"tests": {"error": "SuiteFailed: 1 failed", "figures": []}})
    report.update_benchmarks(results, page)
    assert "**Not measured:** SuiteFailed: 1 failed" in page.read_text()


def test_missing_markers_are_a_named_error(tmp_path: Path) -> None:
    page = tmp_path / "BENCHMARKS.md"
    page.write_text("# no markers\n")
    with pytest.raises(report.MarkersMissing):
        report.update_benchmarks({"sections": {}}, page)
    assert page.read_text() == "# no markers\n"


def test_the_summary_lists_every_missed_target() -> None:
    lines = report.summary(
        [
            Figure("cost", "met", 1, "x", Target("<=", 2)),
            Figure("cost", "missed", 3, "x", Target("<=", 2)),
            Figure("cost", "untargeted", 3, "x"),
        ]
    )
    assert lines[0] == "targets met: 1 of 2"
    assert len(lines) == 2 and "missed" in lines[1]


def test_the_committed_page_has_its_markers() -> None:
    text = report.BENCHMARKS.read_text()
    assert report.BEGIN in text and report.END in text
