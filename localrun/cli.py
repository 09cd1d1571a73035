"""`python -m localrun list | run | demo`: run the app's workflows locally from the command line."""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from localrun.template import prepare_cdk_environment

prepare_cdk_environment()

from localrun.faults import Fault  # noqa: E402  (after the CDK environment is prepared)
from localrun.result import RunResult, format_duration  # noqa: E402
from localrun.runner import LocalRunner  # noqa: E402
from localrun.samples import EXAMPLES_ROOT, Sample, SampleError, discover  # noqa: E402
from localrun.template import StackTemplate, synthesize, workflow_keys, workflow_stack  # noqa: E402

# Resource types moto's CloudFormation skips when it deploys StackSet instances (README: known gaps).
UNSUPPORTED_BY_MOTO = r"Tried to parse AWS::\S+ but it's not supported by moto's CloudFormation"


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    args = _parser().parse_args(argv)
    warnings.filterwarnings("ignore", UNSUPPORTED_BY_MOTO, UserWarning)
    try:
        return int(args.command(args, out))
    except (KeyError, SampleError, ValueError, FileNotFoundError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"localrun: {message}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m localrun", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="workflows and their sample inputs")
    listing.add_argument("--examples", type=Path, default=EXAMPLES_ROOT, help=argparse.SUPPRESS)
    listing.set_defaults(command=_list)

    run = commands.add_parser("run", help="run one workflow with an input or sample file")
    run.add_argument("workflow", help="workflow key (see `list`)")
    run.add_argument("--input", required=True, type=Path, help="input JSON, or a sample file")
    run.add_argument("--env", default="dev", help="environment from cdk.json (default: dev)")
    run.add_argument("--state-machine", help="which state machine, if the stack has several")
    run.add_argument(
        "--fail",
        action="append",
        default=[],
        metavar="STATE=ERROR[:N]",
        help="fail STATE (or fn:FUNCTION) with ERROR, N times (default 1); repeatable",
    )
    run.add_argument(
        "--lose-response",
        action="append",
        default=[],
        metavar="STATE=ERROR[:N]",
        help="let STATE's (or fn:FUNCTION's) call take effect, then fail it with ERROR as if the "
        "response were lost, N times (default 1); repeatable",
    )
    run.add_argument("--mock-config", type=Path, help="MockConfigFile for unsupported integrations")
    run.add_argument("--test-case", help="test case of --mock-config to apply")
    run.add_argument("--timeout", type=float, default=60.0, help="wall-clock seconds (default 60)")
    run.add_argument("--logs", action="store_true", help="print each Lambda invocation's logs")
    run.add_argument("--json", action="store_true", help="print the result as JSON")
    run.add_argument("--no-iam", action="store_true", help="do not enforce the template's IAM policies")
    run.set_defaults(command=_run)

    demo = commands.add_parser("demo", help="run every sample under examples/ and check outcomes")
    demo.add_argument("--env", default="dev", help="environment from cdk.json (default: dev)")
    demo.add_argument("--workflow", help="only this workflow's samples")
    demo.add_argument("--examples", type=Path, default=EXAMPLES_ROOT, help="sample root (default: examples/)")
    demo.add_argument("--no-iam", action="store_true", help="do not enforce the template's IAM policies")
    demo.set_defaults(command=_demo)
    return parser


def load_template(workflow: str, env: str) -> StackTemplate:
    """The synthesized stack of `workflow` in `env` (once per process and pair)."""
    key = (workflow, env)
    if key not in _templates:
        _templates[key] = synthesize(workflow_stack(workflow, env))
    return _templates[key]


_templates: dict[tuple[str, str], StackTemplate] = {}


def _list(args: argparse.Namespace, out: TextIO) -> int:
    keys = workflow_keys()
    if not keys:
        print("no workflows registered in stacks.application.WORKFLOW_STACKS", file=out)
    for key in keys:
        samples = discover(args.examples, workflow=key) if (args.examples / key).is_dir() else []
        print(f"{key}  ({len(samples)} sample{'s' if len(samples) != 1 else ''})", file=out)
        for sample in samples:
            print(f"  {sample.path}  {sample.description}", file=out)
    return 0


def _run(args: argparse.Namespace, out: TextIO) -> int:
    raw = json.loads(args.input.read_text())
    is_sample = isinstance(raw, dict) and "input" in raw and "expect" in raw
    sample = Sample.load(args.input, args.workflow) if is_sample else None
    faults = [Fault.parse(spec) for spec in args.fail]
    faults += [Fault.parse(spec, ambiguous=True) for spec in args.lose_response]
    with LocalRunner(load_template(args.workflow, args.env), iam=not args.no_iam) as runner:
        if sample is not None:
            sample = _with_overrides(sample, args, faults)
            result = sample.run(runner, timeout=args.timeout)
        else:
            result = runner.run(
                raw,
                state_machine=args.state_machine,
                faults=faults,
                mock_config=args.mock_config,
                test_case=args.test_case,
                timeout=args.timeout,
            )
        denials = list(runner.policies.denials) if runner.iam_enforced else []
    if args.json:
        json.dump(result.to_dict(), out, indent=2, default=str)
        print(file=out)
    else:
        _print_run(result, out, logs=args.logs)
        for denial in denials:
            print(f"IAM refused: {denial.message}", file=out)
    if sample is not None:
        problems = sample.mismatches(result)
        for problem in problems:
            print(f"MISMATCH: {problem}", file=out)
        return 1 if problems else 0
    return 0 if result.succeeded else 1


def _with_overrides(sample: Sample, args: argparse.Namespace, faults: list[Fault]) -> Sample:
    from dataclasses import replace

    return replace(
        sample,
        faults=sample.faults + tuple(faults),
        state_machine=args.state_machine or sample.state_machine,
        mock_config=args.mock_config or sample.mock_config,
        test_case=args.test_case or sample.test_case,
    )


def _print_run(result: RunResult, out: TextIO, *, logs: bool) -> None:
    print(f"{result.state_machine}  execution {result.name}", file=out)
    for line in result.trace():
        print(f"  {line}", file=out)
    if result.succeeded:
        print("output:", json.dumps(result.output, indent=2, default=str), file=out)
    else:
        print(f"error: {result.error}\ncause: {result.cause}", file=out)
    print(
        f"{result.status}: {len(result.states)} states, {result.transitions} transitions "
        f"({result.retries} retries), simulated {format_duration(result.simulated_seconds)}, "
        f"wall {format_duration(result.wall_seconds)}",
        file=out,
    )
    if logs:
        for invocation in result.invocations:
            print(f"--- {invocation.function} [{invocation.state}] {invocation.request_id}", file=out)
            print(invocation.logs.rstrip(), file=out)


_COLUMNS = ("workflow", "input", "status", "states", "transitions", "simulated", "wall", "check")


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    registered = set(workflow_keys())
    samples = discover(args.examples, workflow=args.workflow)
    if not samples:
        print(f"no samples under {args.examples}/", file=out)
        return 0
    rows: list[tuple[str, ...]] = []
    failures = 0
    for sample in samples:
        started = time.perf_counter()
        try:
            if sample.workflow not in registered:
                raise KeyError(f"workflow {sample.workflow!r} is not registered")
            with LocalRunner(load_template(sample.workflow, args.env), iam=not args.no_iam) as runner:
                result = sample.run(runner)
            problems = sample.mismatches(result)
            check = "ok" if not problems else "MISMATCH: " + "; ".join(problems)
            row = _row(sample, result, check)
        except Exception as error:
            problems = [str(error)]
            wall = format_duration(time.perf_counter() - started)
            row = (sample.workflow, sample.name, "ERROR", "-", "-", "-", wall, f"ERROR: {error}")
        failures += bool(problems)
        rows.append(row)
    _print_table(rows, out)
    print(f"{len(rows) - failures}/{len(rows)} samples as expected", file=out)
    return 1 if failures else 0


def _row(sample: Sample, result: RunResult, check: str) -> tuple[str, ...]:
    return (
        sample.workflow,
        sample.name,
        result.status,
        str(len(result.states)),
        str(result.transitions),
        format_duration(result.simulated_seconds),
        format_duration(result.wall_seconds),
        check,
    )


def _print_table(rows: list[tuple[str, ...]], out: TextIO) -> None:
    widths = [max(len(str(row[index])) for row in [_COLUMNS, *rows]) for index in range(7)]
    for row in [_COLUMNS, *rows]:
        cells: list[Any] = [str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[7]]), file=out)
