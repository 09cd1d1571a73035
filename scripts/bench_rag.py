"""Benchmark the RAG ingestion workflow: state transitions per document and Step Functions cost.

    .venv/bin/python -m scripts.bench_rag [--copies 1] [--child-seconds 4] [--skip-seconds 0.5]
        [--documents 100000]

Runs the sample corpus (examples/rag/corpus, `--copies` times under different keys) through the
synthesized dev stack with localrun: a first run (ingest), a second run (all unchanged) and a
third after editing one document. For each run it prints the documents by outcome, the Lambda
task invocations per state, and the state transitions each document's Express child took, derived
from the synthesized definition and checked against the invocations localrun recorded.

The cost lines use us-east-1 list prices (Standard: $0.025 per 1,000 transitions; Express:
$1.00 per million requests and $0.06 per GB-hour, 64 MB minimum; one parent transition per
Distributed Map child execution). Express duration cannot be measured locally: `--child-seconds`
is the assumed wall time of a child that ingests (Bedrock latency dominates) and `--skip-seconds`
that of one that skips or fails early. Lambda, Bedrock, S3 and S3 Vectors charges are not
included.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "lambdas")]
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "StepwiseBench")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

from localrun.template import prepare_cdk_environment  # noqa: E402

prepare_cdk_environment()

from localrun import LocalRunner, RunResult  # noqa: E402

CORPUS = ROOT / "examples" / "rag" / "corpus"
PREFIX = "documents/"
STANDARD_PER_TRANSITION = 0.025 / 1000
EXPRESS_PER_REQUEST = 1.00 / 1_000_000
EXPRESS_PER_GB_SECOND = 0.06 / 3600
EXPRESS_BILLED_GB = 64 / 1024
CHILD_STEPS = ("Fetch", "Parse", "Chunk", "Embed", "Upsert", "Validate", "Commit")


# -- the child's paths, from the synthesized definition --------------------------------------------


def processor_of(definition: Mapping[str, Any]) -> Mapping[str, Any]:
    for state in definition["States"].values():
        if state["Type"] == "Map":
            return state["ItemProcessor"]
    raise ValueError("the run definition has no Map state")


def path(processor: Mapping[str, Any], *, changed: bool, failing: str | None = None) -> list[str]:
    """States entered by one child: changed or not, and optionally failing (after retries) at a step."""
    states, name, entered = processor["States"], processor["StartAt"], []
    while name:
        state = states[name]
        entered.append(name)
        if name == failing:
            name = state["Catch"][0]["Next"]
        elif state["Type"] == "Choice":
            wanted = "changed" if changed else None
            chosen = [rule["Next"] for rule in state["Choices"] if rule.get("StringEquals") == wanted]
            name = chosen[0] if chosen else state["Default"]
        else:
            name = state.get("Next")
    return entered


def run_definition(runner: LocalRunner) -> dict[str, Any]:
    arn = runner.state_machine_arn()
    return json.loads(
        runner.client("stepfunctions").describe_state_machine(stateMachineArn=arn)["definition"]
    )


# -- runs ------------------------------------------------------------------------------------------


def seed(runner: LocalRunner, copies: int) -> int:
    s3, bucket = runner.client("s3"), runner.resource("Workflow/Sources").name
    count = 0
    for copy in range(copies):
        folder = PREFIX if copy == 0 else f"{PREFIX}copy-{copy}/"
        for file in sorted(CORPUS.iterdir()):
            s3.put_object(Bucket=bucket, Key=folder + file.name, Body=file.read_bytes())
            count += 1
    return count


def lines_of(runner: LocalRunner, result: RunResult) -> list[dict[str, Any]]:
    report = result.output["report"]
    body = runner.client("s3").get_object(Bucket=report["bucket"], Key=report["documentsKey"])["Body"].read()
    return [json.loads(line) for line in body.decode().splitlines()]


def child_transitions(processor: Mapping[str, Any], lines: Iterable[dict[str, Any]]) -> Counter[int]:
    """How many documents took how many child state transitions (retries excluded)."""
    taken: Counter[int] = Counter()
    for line in lines:
        if line["status"] == "ingested":
            taken[len(path(processor, changed=True))] += 1
        elif line["status"] in ("unchanged", "ignored"):
            taken[len(path(processor, changed=False))] += 1
        else:
            taken[len(path(processor, changed=True, failing=failed_step(line)))] += 1
    return taken


def failed_step(line: Mapping[str, Any]) -> str:
    """The step a failed document stopped at, from its error name (see lambdas/rag/errors.py)."""
    by_error = {
        "UnsupportedFormat": "Parse",
        "CorruptDocument": "Parse",
        "NoExtractableText": "Parse",
        "EmbeddingFailed": "Embed",
        "EmbeddingThrottled": "Embed",
        "ValidationMismatch": "Validate",
        "ConcurrentUpdate": "Commit",
    }
    return by_error.get(str(line.get("error")), "Fetch")


def expected_invocations(processor: Mapping[str, Any], lines: Iterable[dict[str, Any]]) -> Counter[str]:
    expected: Counter[str] = Counter()
    for line in lines:
        if line["status"] == "ingested":
            states = path(processor, changed=True)
        elif line["status"] in ("unchanged", "ignored"):
            states = path(processor, changed=False)
        else:
            states = path(processor, changed=True, failing=failed_step(line))
        expected.update(state for state in states if state in (*CHILD_STEPS, "RecordFailure"))
    return expected


def report_run(
    label: str, runner: LocalRunner, processor: Mapping[str, Any], result: RunResult, wall: float
) -> Counter[int]:
    lines = lines_of(runner, result)
    outcomes = Counter(line["status"] for line in lines)
    invoked = Counter(
        invocation.state
        for invocation in result.invocations
        if invocation.state in (*CHILD_STEPS, "RecordFailure")
    )
    expected = expected_invocations(processor, lines)
    agree = "matches" if invoked == expected else f"DIFFERS from the paths {dict(expected)}"
    taken = child_transitions(processor, lines)
    print(f"\n{label}: {result.status}, {len(lines)} documents {dict(outcomes)}, wall {wall:.2f}s")
    print(f"  task invocations: {dict(sorted(invoked.items()))} ({agree}); retries {result.retries}")
    print(f"  parent states: {len(result.states)} (+1 transition billed per child execution started)")
    for transitions, documents in sorted(taken.items()):
        print(f"  {documents:4d} document(s) took {transitions} child state transitions")
    return taken


# -- cost ------------------------------------------------------------------------------------------


def cost_lines(documents: int, parent_fixed: int, per_document: float, seconds: float) -> list[str]:
    """Prices for `documents` documents averaging `per_document` child transitions and `seconds`."""
    parent = (parent_fixed + documents) * STANDARD_PER_TRANSITION
    requests = documents * EXPRESS_PER_REQUEST
    duration = documents * seconds * EXPRESS_BILLED_GB * EXPRESS_PER_GB_SECOND
    all_standard = (parent_fixed + documents * (1 + per_document)) * STANDARD_PER_TRANSITION
    per_object = documents * (parent_fixed + 1) * STANDARD_PER_TRANSITION + requests + duration
    return [
        f"  Standard parent: {parent_fixed} + {documents:,} child starts = ${parent:,.2f}",
        f"  Express children: requests ${requests:,.2f} + duration "
        f"({seconds:.2f}s avg x 64 MB) ${duration:,.2f}",
        f"  total Step Functions: ${parent + requests + duration:,.2f}",
        f"  (Standard children instead, {per_document:.2f} transitions each: ${all_standard:,.2f})",
        f"  (one run per object, as the Object Created rule starts them: ${per_object:,.2f})",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1, help="corpus copies to ingest (default 1)")
    parser.add_argument(
        "--child-seconds", type=float, default=4.0, help="assumed duration of an ingesting child"
    )
    parser.add_argument(
        "--skip-seconds", type=float, default=0.5, help="assumed duration of a skipping child"
    )
    parser.add_argument("--documents", type=int, default=100_000, help="documents priced (default 100,000)")
    args = parser.parse_args(argv)
    with LocalRunner.for_workflow("rag", env="dev") as runner:
        processor = processor_of(run_definition(runner))
        print("child paths (from the synthesized definition):")
        print(f"  ingested:  {' > '.join(path(processor, changed=True))}")
        print(f"  unchanged: {' > '.join(path(processor, changed=False))}")
        print(f"  failed at Parse: {' > '.join(path(processor, changed=True, failing='Parse'))}")
        documents = seed(runner, args.copies)
        runs = []
        for label in ("run 1 (new corpus)", "run 2 (unchanged)", "run 3 (one document edited)"):
            if label.startswith("run 3"):
                runner.client("s3").put_object(
                    Bucket=runner.resource("Workflow/Sources").name,
                    Key=PREFIX + "release-notes.txt",
                    Body=(CORPUS / "release-notes.txt").read_bytes() + b"\nVersion 1.3 is in progress.\n",
                )
            started = time.perf_counter()
            result = runner.run({"prefix": PREFIX}, timeout=600)
            wall = time.perf_counter() - started
            taken = report_run(label, runner, processor, result, wall)
            ingested = sum(1 for line in lines_of(runner, result) if line["status"] == "ingested")
            runs.append((label, result, taken, ingested))
    print(f"\nStep Functions cost per {args.documents:,} documents ({documents} measured per run):")
    for label, result, taken, ingested in runs:
        count = max(1, sum(taken.values()))
        per_document = sum(t * n for t, n in taken.items()) / count
        seconds = (ingested * args.child_seconds + (count - ingested) * args.skip_seconds) / count
        print(f" {label}: {per_document:.2f} child transitions per document on average")
        for line in cost_lines(args.documents, len(result.states), per_document, seconds):
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
