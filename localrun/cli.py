"""`python -m localrun list | run | demo`: run the app's workflows locally from the command line.

Exit codes: 0 the run (or every sample) ended as expected, 1 it did not, 2 a usage or input error
(one line on stderr naming the argument or file).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from localrun.template import prepare_cdk_environment

prepare_cdk_environment()

from localrun.faults import Fault  # noqa: E402  (after the CDK environment is prepared)
from localrun.graph import StateGraph, graphs_of  # noqa: E402
from localrun.inputs import InputError, read_input  # noqa: E402
from localrun.picture import render_html  # noqa: E402
from localrun.result import RunResult, format_duration, readable_cause  # noqa: E402
from localrun.runner import LocalRunner  # noqa: E402
from localrun.samples import EXAMPLES_ROOT, Sample, SampleError, discover  # noqa: E402
from localrun.template import StackTemplate, synthesize, workflow_keys, workflow_stack  # noqa: E402

# Resource types moto's CloudFormation skips when it deploys StackSet instances (README: known gaps).
UNSUPPORTED_BY_MOTO = r"Tried to parse AWS::\S+ but it's not supported by moto's CloudFormation"
USAGE_ERROR = 2


class _SkipUnsupportedResources(logging.Filter):
    """moto's "No Moto CloudFormation support for <type>": the StackSet instances' templates hold
    resources moto cannot create; localrun does not need them (README: known gaps)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("No Moto CloudFormation support for")


def quiet_moto() -> None:
    """Drop the known, harmless moto warnings about resources StackSet instances hold."""
    warnings.filterwarnings("ignore", UNSUPPORTED_BY_MOTO, UserWarning)
    logger = logging.getLogger("moto")  # moto.cloudformation.parsing logs through it
    if not any(isinstance(item, _SkipUnsupportedResources) for item in logger.filters):
        logger.addFilter(_SkipUnsupportedResources())


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    args = _parser().parse_args(argv)
    quiet_moto()
    try:
        return int(args.command(args, out))
    except (InputError, KeyError, SampleError, ValueError, FileNotFoundError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"localrun: {message}", file=sys.stderr)
        return USAGE_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m localrun", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="workflows and their sample inputs")
    listing.add_argument(
        "--examples", type=Path, default=EXAMPLES_ROOT, help="sample root (default: examples/)"
    )
    listing.add_argument("--json", action="store_true", help="print the list as JSON")
    listing.set_defaults(command=_list)

    run = commands.add_parser("run", help="run one workflow with an input or sample file")
    run.add_argument("workflow", help="workflow key (see `list`)")
    run.add_argument(
        "--input",
        required=True,
        help="a sample file (examples/<workflow>/*.json), a JSON input file, or inline JSON ('{...}')",
    )
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
    run.add_argument("--no-expect", action="store_true", help="do not check a sample's expectations")
    run.add_argument("--mock-config", type=Path, help="MockConfigFile for unsupported integrations")
    run.add_argument("--test-case", help="test case of --mock-config to apply")
    run.add_argument("--timeout", type=float, default=60.0, help="wall-clock seconds (default 60)")
    run.add_argument("--logs", action="store_true", help="print each Lambda invocation's logs")
    run.add_argument("--json", action="store_true", help="print the result and its check as JSON only")
    run.add_argument("--no-iam", action="store_true", help="do not enforce the template's IAM policies")
    run.add_argument(
        "--graph",
        type=Path,
        metavar="FILE.html",
        help="write the execution as a picture (self-contained HTML)",
    )
    run.set_defaults(command=_run)

    demo = commands.add_parser("demo", help="run every sample under examples/ and check outcomes")
    demo.add_argument("--env", default="dev", help="environment from cdk.json (default: dev)")
    demo.add_argument("--workflow", help="only this workflow's samples")
    demo.add_argument("--examples", type=Path, default=EXAMPLES_ROOT, help="sample root (default: examples/)")
    demo.add_argument("--json", action="store_true", help="print one JSON document with every row")
    demo.add_argument("--no-iam", action="store_true", help="do not enforce the template's IAM policies")
    demo.set_defaults(command=_demo)
    return parser


def load_template(workflow: str, env: str, environments: Path | None = None) -> StackTemplate:
    """The synthesized stack of `workflow` in `env`, of cdk.json or of the `environments` file
    (once per process and combination)."""
    key = (workflow, env, environments)
    if key not in _templates:
        _templates[key] = synthesize(workflow_stack(workflow, env, environments))
    return _templates[key]


_templates: dict[tuple[str, str, Path | None], StackTemplate] = {}


def _list(args: argparse.Namespace, out: TextIO) -> int:
    listing = []
    for key in workflow_keys():
        samples = discover(args.examples, workflow=key) if (args.examples / key).is_dir() else []
        listing.append(
            {
                "workflow": key,
                "samples": [{"path": str(s.path), "description": s.description} for s in samples],
            }
        )
    if args.json:
        json.dump({"workflows": listing}, out, indent=2)
        print(file=out)
        return 0
    if not listing:
        print("no workflows registered in stacks.application.WORKFLOW_STACKS", file=out)
    for entry in listing:
        count = len(entry["samples"])
        print(f"{entry['workflow']}  ({count} sample{'s' if count != 1 else ''})", file=out)
        for item in entry["samples"]:
            print(f"  {item['path']}  {item['description']}", file=out)
    return 0


def _run(args: argparse.Namespace, out: TextIO) -> int:
    given = read_input(args.input, args.workflow, workflow_keys())
    faults = [_fault(spec, "--fail") for spec in args.fail]
    faults += [_fault(spec, "--lose-response", ambiguous=True) for spec in args.lose_response]
    sample = given.sample
    template = load_template(args.workflow, args.env, sample.environments if sample is not None else None)
    _check_fault_targets(faults, template, args.workflow)
    with LocalRunner(template, iam=not args.no_iam) as runner:
        for fault in faults:
            if fault.function is not None:
                _check_function(runner, fault)
        if sample is not None:
            result = _with_overrides(sample, args, faults).run(runner, timeout=args.timeout)
        else:
            result = runner.run(
                given.raw,
                state_machine=args.state_machine,
                faults=faults,
                mock_config=args.mock_config,
                test_case=args.test_case,
                timeout=args.timeout,
            )
        denials = list(runner.policies.denials) if runner.iam_enforced else []
    check = run_check(result, sample, injected=bool(faults), no_expect=args.no_expect)
    if args.graph is not None:
        _write_picture(args.graph, result, template, args.workflow)
    if args.json:
        json.dump({**result.to_dict(), "check": check}, out, indent=2, default=str)
        print(file=out)
    else:
        _print_run(result, out, logs=args.logs)
        for denial in denials:
            print(f"IAM refused: {denial.message}", file=out)
        _print_check(check, out)
    return 0 if check["ok"] else 1


def _fault(spec: str, option: str, *, ambiguous: bool = False) -> Fault:
    try:
        return Fault.parse(spec, ambiguous=ambiguous)
    except ValueError as error:
        raise InputError(f"{option}: {error}") from None


def _check_fault_targets(faults: list[Fault], template: StackTemplate, workflow: str) -> None:
    """A fault naming no state of the workflow is a usage error that lists the states."""
    names = sorted({node.name for graph in graphs_of(template) for node in graph.nodes()})
    for fault in faults:
        if fault.state is not None and fault.state not in names:
            raise InputError(
                f"no state {fault.state!r} in workflow {workflow!r}; its states: {', '.join(names)}"
            )


def _check_function(runner: LocalRunner, fault: Fault) -> None:
    try:
        runner.function(str(fault.function))
    except KeyError as error:
        raise InputError(f"fault fn:{fault.function}: {error.args[0]}") from None


def run_check(result: RunResult, sample: Sample | None, *, injected: bool, no_expect: bool) -> dict[str, Any]:
    """Whether the run ended as expected, and why not.

    A sample's expectations are checked unless faults were injected (they describe the run without
    them) or --no-expect is given; with injected faults the run is as expected when every fault
    fired; a plain input must succeed.
    """
    unfired = [f"{fault.target}={fault.error}" for fault in result.unfired_faults]
    if sample is not None and not injected and not no_expect:
        mismatches = sample.mismatches(result)
        return {
            "expectations": "checked",
            "mismatches": mismatches,
            "unfiredFaults": unfired,
            "ok": not mismatches,
        }
    reason = "faults were injected" if injected else "--no-expect" if sample is not None else "plain input"
    ok = not unfired if injected else result.succeeded
    return {"expectations": f"not checked ({reason})", "mismatches": [], "unfiredFaults": unfired, "ok": ok}


def _print_check(check: dict[str, Any], out: TextIO) -> None:
    for fault in check["unfiredFaults"]:
        print(f"NOT FIRED: fault {fault} never fired (the run never reached it)", file=out)
    for problem in check["mismatches"]:
        if not problem.startswith("fault "):
            print(f"MISMATCH: {problem}", file=out)
    if check["expectations"] != "checked":
        print(f"expectations {check['expectations']}", file=out)


def _write_picture(path: Path, result: RunResult, template: StackTemplate, workflow: str) -> None:
    graph = _graph_of(result, graphs_of(template))
    path.write_text(render_html(result, graph, title=f"{workflow} / {graph.label}: execution {result.name}"))
    print(f"localrun: wrote {path}", file=sys.stderr)


def _graph_of(result: RunResult, graphs: list[StateGraph]) -> StateGraph:
    for graph in graphs:
        if (
            result.state_machine.startswith(f"{graph.logical_id}-")
            or result.state_machine == graph.logical_id
        ):
            return graph
    return graphs[0]


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
        print(f"error: {result.error}\ncause: {readable_cause(result.cause)}", file=out)
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
_FIXED_WIDTHS = {"status": 9, "states": 6, "transitions": 11, "simulated": 9, "wall": 7}


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    registered = set(workflow_keys())
    samples = discover(args.examples, workflow=args.workflow)
    if not samples:
        if args.json:
            json.dump({"rows": [], "asExpected": 0, "total": 0}, out)
            print(file=out)
        else:
            print(f"no samples under {args.examples}/", file=out)
        return 0
    widths = [
        max(len(_COLUMNS[0]), *(len(sample.workflow) for sample in samples)),
        max(len(_COLUMNS[1]), *(len(sample.name) for sample in samples)),
        *(_FIXED_WIDTHS[column] for column in _COLUMNS[2:7]),
    ]
    if not args.json:
        _print_row(_COLUMNS, widths, out)
    rows: list[dict[str, Any]] = []
    for sample in samples:
        row = _demo_row(sample, registered, args.env, iam=not args.no_iam)
        rows.append(row)
        if not args.json:
            _print_row(tuple(str(row[column]) for column in _COLUMNS), widths, out)
    failures = sum(not row["ok"] for row in rows)
    if args.json:
        json.dump({"rows": rows, "asExpected": len(rows) - failures, "total": len(rows)}, out, indent=2)
        print(file=out)
    else:
        print(f"{len(rows) - failures}/{len(rows)} samples as expected", file=out)
    return 1 if failures else 0


def _demo_row(sample: Sample, registered: set[str], env: str, *, iam: bool) -> dict[str, Any]:
    """Run one sample: its row, with the end state and error, and whether it matched."""
    started = time.perf_counter()
    try:
        if sample.workflow not in registered:
            raise KeyError(f"workflow {sample.workflow!r} is not registered")
        with LocalRunner(load_template(sample.workflow, env, sample.environments), iam=iam) as runner:
            result = sample.run(runner)
    except Exception as error:  # one sample's crash is its row, the demo goes on
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        wall = format_duration(time.perf_counter() - started)
        return {
            **dict.fromkeys(_COLUMNS, "-"),
            "workflow": sample.workflow,
            "input": sample.name,
            "status": "ERROR",
            "wall": wall,
            "check": f"ERROR: {message}",
            "ok": False,
        }
    problems = sample.mismatches(result)
    ended = result.states[-1] if result.states else "-"
    outcome = f"ended in {ended}" + (f" with {result.error}" if result.error else "")
    check = f"ok, {outcome}" if not problems else "MISMATCH: " + "; ".join(problems)
    return {
        "workflow": sample.workflow,
        "input": sample.name,
        "status": result.status,
        "states": len(result.states),
        "transitions": result.transitions,
        "simulated": format_duration(result.simulated_seconds),
        "wall": format_duration(result.wall_seconds),
        "check": check,
        "ok": not problems,
        "endState": ended,
        "error": result.error,
        "cause": readable_cause(result.cause) if result.cause else None,
    }


def _print_row(row: tuple[str, ...], widths: list[int], out: TextIO) -> None:
    cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
    print("  ".join([*cells, row[7]]), file=out, flush=True)
