"""`python -m bench [--only SECTION ...] [--env dev]`: measure, print, write results and BENCHMARKS.md."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import machine, report
from bench.figures import Figure
from scripts.exit_codes import EXIT_CODES

ROOT = Path(__file__).resolve().parents[1]
Measure = Callable[[], tuple[list[Figure], dict[str, Any]]]


def sections(env: str, outdir: Path) -> dict[str, Measure]:
    """Every section in the order it runs: synth first (it builds the assets the Lambda figures read)."""
    from bench import chunking, compositor, cost, hostile, lambdas, suite, synth, throughput

    return {
        "synth": lambda: synth.measure(env, outdir=outdir),
        "lambdas": lambda: lambdas.measure(outdir, env),
        "cost": lambda: cost.measure(env),
        "localrun": lambda: throughput.measure(env),
        "chunking": chunking.measure,
        "hostile": hostile.measure,
        "compositor": compositor.measure,
        "tests": suite.measure,
    }


def quiet_libraries() -> None:
    """moto and CDK warn about resources localrun does not need; the figures are the output."""
    warnings.filterwarnings("ignore")
    logging.getLogger("moto").setLevel(logging.ERROR)
    logging.getLogger("moto.cloudformation.parsing").disabled = True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__, epilog=EXIT_CODES)
    parser.add_argument("--env", default="dev", help="environment whose app is measured (default dev)")
    parser.add_argument(
        "--only", nargs="+", metavar="SECTION", help="measure only these sections (default: every one)"
    )
    parser.add_argument(
        "--cdk-out",
        type=Path,
        metavar="DIR",
        help="an assembly `npx cdk synth -o DIR` wrote (layers bundled): the lambdas section reads it "
        "instead of running the synth section first",
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "lambdas"))
    quiet_libraries()
    started = time.perf_counter()
    measured: dict[str, Any] = {}
    all_figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="stepwise-bench-cdk-") as scratch:
        outdir = args.cdk_out or Path(scratch)
        available = sections(args.env, outdir)
        chosen = args.only or list(available)
        unknown = sorted(set(chosen) - set(available))
        if unknown:
            parser.error(f"unknown section(s) {', '.join(unknown)}: choose from {', '.join(available)}")
        if "lambdas" in chosen and "synth" not in chosen and args.cdk_out is None:
            chosen = ["synth", *chosen]
        for name in [section for section in available if section in chosen]:
            print(f"\n=== {name}", flush=True)
            section_started = time.perf_counter()
            try:
                figures, details = available[name]()
            except Exception as error:
                traceback.print_exc()
                measured[name] = {"error": f"{type(error).__name__}: {error}".splitlines()[0], "figures": []}
            else:
                for figure in figures:
                    print(f"  {figure.line()}", flush=True)
                all_figures += figures
                measured[name] = {"figures": [figure.to_dict() for figure in figures], "details": details}
            measured[name]["seconds"] = round(time.perf_counter() - section_started, 1)
    results = report.merge(report.load_results(), machine.describe(), measured)
    report.write_results(results)
    report.update_benchmarks(results)
    print()
    for line in report.summary(all_figures):
        print(line)
    failed = [name for name, section in measured.items() if "error" in section]
    print(
        f"bench: {time.perf_counter() - started:.0f} s; "
        f"wrote {report.RESULTS.relative_to(ROOT)} and {report.BENCHMARKS.relative_to(ROOT)}"
    )
    if failed:
        print(f"sections that could not be measured: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
