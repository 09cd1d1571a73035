"""Benchmark localrun: executions/second of a ten-state workflow, and virtual time for long waits.

    .venv/bin/python -m bench.localrun_throughput [--runs 100]

Prints the figures; nothing is asserted (timings depend on the machine).
"""

from __future__ import annotations

import argparse
import time

from localrun.faults import Fault
from localrun.result import RunResult
from localrun.runner import LocalRunner
from localrun.template import local_app, prepare_cdk_environment, synthesize

WARM_UP_RUNS = 10


def bench_runner() -> LocalRunner:
    """A runner for the benchmark stack (bench/localrun_stack.py: BenchStack)."""
    prepare_cdk_environment()
    from bench.localrun_stack import BenchStack
    from stacks.application import project_context
    from stacks.config import load_environment

    config = load_environment(project_context()["environments"], "dev")
    return LocalRunner(synthesize(BenchStack(local_app(), config)))


def throughput(runner: LocalRunner, runs: int) -> tuple[float, RunResult]:
    """Sequential executions per second after warm-up; returns (rate, last result)."""
    for _ in range(WARM_UP_RUNS):
        runner.run({"name": "warm-up", "pause": 0})
    started = time.perf_counter()
    result = runner.run({"name": "bench", "pause": 0})
    for _ in range(runs - 1):
        result = runner.run({"name": "bench", "pause": 0})
    return runs / (time.perf_counter() - started), result


def long_wait(runner: LocalRunner) -> tuple[float, RunResult]:
    """A one-hour Wait plus three retried failures; returns (wall seconds, result)."""
    fault = Fault(state="Last", error="Lambda.ServiceException", times=3)
    started = time.perf_counter()
    result = runner.run({"name": "patient", "pause": 3600}, faults=[fault])
    return time.perf_counter() - started, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.localrun_throughput",
        description=__doc__.splitlines()[0],
        epilog="exit codes: 0 measured, 2 a usage error",
    )
    parser.add_argument("--runs", type=int, default=100, help="measured executions (default 100)")
    args = parser.parse_args(argv)
    with bench_runner() as runner:
        rate, sample = throughput(runner, args.runs)
        print(
            f"throughput: {rate:.1f} executions/s over {args.runs} runs after {WARM_UP_RUNS} "
            f"warm-up ({len(sample.states)} states, {sample.transitions} transitions, "
            f"{sample.status})"
        )
        wall, result = long_wait(runner)
        print(
            f"one-hour Wait + 3 retries: {result.status}, simulated {result.simulated_seconds:.1f}s, "
            f"wall {wall:.3f}s, retries {result.retries}, transitions {result.transitions}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
