"""Wall time of the whole test suite as `make test` runs it (after set-up), and its slowest tests."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.figures import Figure, Target

SECTION = "tests"
ROOT = Path(__file__).resolve().parents[1]
WALL_TARGET = Target("<=", 120)
SLOWEST = 5
DURATION_LINE = re.compile(r"^(\d+\.\d+)s (setup|call|teardown)\s+(\S+)$")
SUMMARY_LINE = re.compile(r"=* ?(.*\d+ (?:passed|failed).*) in [\d.]+s")


class SuiteFailed(RuntimeError):
    """The suite did not pass: its wall time would not be the figure asked for."""


def parse_durations(output: str) -> list[dict[str, Any]]:
    """`--durations` lines as {seconds, phase, test}, slowest first."""
    rows = []
    for line in output.splitlines():
        match = DURATION_LINE.match(line.strip())
        if match:
            rows.append({"seconds": float(match.group(1)), "phase": match.group(2), "test": match.group(3)})
    return sorted(rows, key=lambda row: row["seconds"], reverse=True)


def parse_summary(output: str) -> str:
    for line in reversed(output.splitlines()):
        match = SUMMARY_LINE.search(line)
        if match:
            return match.group(1).strip("= ")
    return "no pytest summary found"


def measure(workers: int = 2) -> tuple[list[Figure], dict[str, Any]]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-n",
        str(workers),
        "-q",
        f"--durations={SLOWEST}",
        "-p",
        "no:cacheprovider",
    ]
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    output = completed.stdout + completed.stderr
    summary = parse_summary(output)
    if completed.returncode != 0:
        raise SuiteFailed(f"pytest exited {completed.returncode}: {summary}\n{output[-3000:]}")
    slowest = parse_durations(output)[:SLOWEST]
    figures = [
        Figure(SECTION, f"full suite on {workers} workers", round(wall, 1), "s", WALL_TARGET, note=summary),
        *(
            Figure(SECTION, f"slow test #{rank}: {row['test']} ({row['phase']})", row["seconds"], "s")
            for rank, row in enumerate(slowest, start=1)
        ),
    ]
    return figures, {
        "command": " ".join(command[1:]),
        "wallSeconds": round(wall, 1),
        "summary": summary,
        "slowest": slowest,
    }
