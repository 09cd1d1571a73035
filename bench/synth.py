"""Wall time of `cdk synth` for the whole app of one environment against a one-bucket app.

Both go through the CDK CLI the way users run them (`npx cdk synth`), into their own output
folders, after one warm-up each (the warm-up also builds the Lambda layers once; later synths reuse
them, as a developer's repeated synths do). Runs alternate between the two apps so machine load
affects both alike; the medians and their ratio are reported, with and without CDK's built-in
CloudFormation validation (on by default; `CDK_VALIDATION=false` turns it off).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.figures import Figure, Target

SECTION = "synth"
ROOT = Path(__file__).resolve().parents[1]
RATIO_TARGET = Target("<=", 1.5)
RUNS = 3


class SynthFailed(RuntimeError):
    """`cdk synth` exited non-zero; the message carries its output."""


def synth_environment(*, validation: bool) -> dict[str, str]:
    """This process's environment with CDK's built-in validation set explicitly on or off."""
    return {
        **os.environ,
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "CDK_VALIDATION": "true" if validation else "false",
    }


def cdk_synth(app: str | None, env: str, outdir: Path, *, validation: bool) -> float:
    """Seconds one `npx cdk synth` takes (quiet, into `outdir`).

    CDK's built-in CloudFormation validation is on unless `CDK_VALIDATION=false`; the variable is
    set explicitly both ways, because this process's own environment may have turned it off.
    """
    command = ["npx", "--no-install", "cdk", "synth", "--quiet", "--output", str(outdir)]
    command += ["--context", f"env={env}"]
    if app is not None:
        command += ["--app", app]
    environment = synth_environment(validation=validation)
    started = time.perf_counter()
    completed = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, env=environment, check=False
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SynthFailed(f"{' '.join(command)} failed:\n{completed.stdout}\n{completed.stderr}")
    return elapsed


def alternate(
    apps: Sequence[str | None],
    env: str,
    outdirs: Sequence[Path],
    runs: int,
    *,
    validation: bool,
    warm_up: bool,
) -> list[float]:
    """Median seconds per app, runs alternating between the apps (after a warm-up of each)."""
    for app, outdir in zip(apps, outdirs, strict=True):
        if warm_up:
            cdk_synth(app, env, outdir, validation=validation)
    timings: list[list[float]] = [[] for _ in apps]
    for _ in range(runs):
        for index, (app, outdir) in enumerate(zip(apps, outdirs, strict=True)):
            timings[index].append(cdk_synth(app, env, outdir, validation=validation))
    return [statistics.median(times) for times in timings]


def phases(env: str, outdir: Path, *, validation: bool) -> dict[str, float]:
    """Seconds per phase of the app's synth (bench/synth_phases.py) in a fresh interpreter."""
    environment = synth_environment(validation=validation)
    command = [sys.executable, "-m", "bench.synth_phases", "--env", env, "--outdir", str(outdir)]
    completed = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, env=environment, check=False
    )
    if completed.returncode != 0:
        raise SynthFailed(f"{' '.join(command)} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def measure(
    env: str = "dev", runs: int = RUNS, outdir: Path | None = None
) -> tuple[list[Figure], dict[str, Any]]:
    """Time both apps; the app's output (with bundled layers) stays in `outdir` for other sections."""
    minimal = f"{sys.executable} {Path(__file__).with_name('minimal_app.py')}"
    with tempfile.TemporaryDirectory(prefix="stepwise-bench-minimal-") as minimal_out:
        app_out = outdir or ROOT / "cdk.out"
        outdirs = (app_out, Path(minimal_out))
        details: dict[str, Any] = {"env": env, "runs": runs}
        figures: list[Figure] = []
        for validation in (True, False):
            app_seconds, minimal_seconds = alternate(
                (None, minimal), env, outdirs, runs, validation=validation, warm_up=validation
            )
            ratio = app_seconds / minimal_seconds
            mode = "with CDK validation" if validation else "without CDK validation"
            details["validation" if validation else "noValidation"] = {
                "appSeconds": round(app_seconds, 2),
                "minimalSeconds": round(minimal_seconds, 2),
                "ratio": round(ratio, 2),
            }
            figures += [
                Figure(
                    SECTION,
                    f"whole app ({env}), {mode}",
                    round(app_seconds, 2),
                    "s",
                    note=f"median of {runs}",
                ),
                Figure(
                    SECTION,
                    f"one-bucket app, {mode}",
                    round(minimal_seconds, 2),
                    "s",
                    note=f"median of {runs}",
                ),
                Figure(
                    SECTION,
                    f"ratio app / one-bucket app, {mode}",
                    round(ratio, 2),
                    "x",
                    RATIO_TARGET if validation else None,
                ),
            ]
    breakdown = phases(env, app_out, validation=True)
    details["appPhases"] = breakdown
    figures += [
        Figure(SECTION, f"whole app phase: {name}", round(seconds, 2), "s", note="one run, python app.py")
        for name, seconds in breakdown.items()
    ]
    return figures, details
