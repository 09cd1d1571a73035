"""localrun executions per second of each workflow's happy path, after warm-up.

Every execution gets a fresh moto (a new runner, the template synthesized once), so each one is the
happy path rather than a duplicate of the previous order or tenant. Executions/s is measured on the
executions alone (their wall time, from start to the last event); seeding and provisioning a fresh
moto are reported separately.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable
from typing import Any

from bench.figures import Figure
from bench.happy_paths import HAPPY_PATHS, HappyPath, fresh_runner, run_checked

SECTION = "localrun"
WARM_UP_RUNS = 2
MEASURED_RUNS = 5


def measure_path(path: HappyPath, runs: int, warm_up: int, env: str) -> dict[str, Any]:
    sample = path.load()
    executions: list[float] = []
    provisioning: list[float] = []
    for index in range(warm_up + runs):
        started = time.perf_counter()
        with fresh_runner(path, env) as runner:
            provisioned = time.perf_counter()
            result = run_checked(path, runner, sample)
        if index >= warm_up:
            executions.append(result.wall_seconds)
            provisioning.append(provisioned - started)
    return {
        "workflow": path.label,
        "runs": runs,
        "executionsPerSecond": runs / sum(executions),
        "medianExecutionSeconds": statistics.median(executions),
        "medianProvisionSeconds": statistics.median(provisioning),
    }


def measure(
    env: str = "dev", runs: int = MEASURED_RUNS, warm_up: int = WARM_UP_RUNS
) -> tuple[list[Figure], dict[str, Any]]:
    rows = [measure_path(path, runs, warm_up, env) for path in HAPPY_PATHS]
    return list(figures(rows)), {"warmUpRuns": warm_up, "paths": rows}


def figures(rows: Iterable[dict[str, Any]]) -> Iterable[Figure]:
    for row in rows:
        yield Figure(
            SECTION,
            f"{row['workflow']}: executions per second",
            round(row["executionsPerSecond"], 2),
            "exec/s",
            note=f"median {row['medianExecutionSeconds']:.3f} s per execution, "
            f"{row['medianProvisionSeconds']:.2f} s to provision a fresh moto",
        )
