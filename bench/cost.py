"""Step Functions charges per execution of every workflow's happy path, and per 100,000 RAG documents;
for the agent also the model tokens a run used and their price next to the orchestration's.

Transitions and simulated time come from running the synthesized state machines through localrun.
Standard executions are billed per transition; the RAG parent additionally pays one transition per
child execution its Distributed Map starts, and each Express child pays a request plus its duration.
Express durations cannot be measured locally (Bedrock and S3 Vectors latency dominate and localrun
emulates them in-process), so a child's duration is estimated from named per-document assumptions.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bench import prices
from bench.figures import Figure, Target
from bench.happy_paths import (
    HAPPY_PATHS,
    HappyPath,
    HappyPathFailed,
    fresh_runner,
    run_checked,
    state_machine_type,
)
from localrun.result import RunResult
from localrun.runner import LocalRunner

SECTION = "cost"
EXECUTIONS_PRICED = 1_000_000
DOCUMENTS_PRICED = 100_000
ORDER_TRANSITIONS_TARGET = Target("<=", 25)
RAG_DOLLARS_TARGET = Target("<=", 2.0)
EVENT_DRIVEN_SAMPLE = "ingest-new-object"
UPLOAD_SAMPLE = "ingest-corpus"  # its seeded corpus, queued as uploads instead of listed
UPLOAD_TARGET_RATIO = 2.0  # the upload path costs at most this many times the bulk prefix path
# SQS requests per uploaded document: EventBridge's SendMessage, then the pipe's ReceiveMessage and
# DeleteMessage(Batch) calls, each for up to 10 messages.
SQS_REQUESTS_PER_DOCUMENT = 1 + 2 / 10
UPLOAD_RECORD_BYTES = 200  # one `{"bucket", "key"}` record of the pipe's batch, a typical key

# Assumed wall time one document adds to its Express child (not measurable locally).
SECONDS_PER_INGESTED_DOCUMENT = 4.0  # fetch + parse + ~10 Titan V2 embeddings + S3 Vectors put/query
SECONDS_PER_OTHER_DOCUMENT = 0.5  # unchanged (one S3 HEAD + registry read) or failed early
AGENT_RUNS_PRICED = 1_000  # agent runs are priced per thousand (a run costs fractions of a cent)


@dataclass(frozen=True)
class ExecutionCost:
    """One happy-path execution: what it took and what a million of them cost."""

    path: HappyPath
    machine_type: str
    status: str
    transitions: int
    simulated_seconds: float
    child_starts: int = 0

    @property
    def billed_transitions(self) -> int:
        """The execution's transitions plus one per Distributed Map child execution it started."""
        return self.transitions + self.child_starts

    @property
    def dollars_per_million(self) -> float:
        if self.machine_type == "EXPRESS":
            return prices.express_charge([self.simulated_seconds]) * EXECUTIONS_PRICED
        return prices.standard_charge(self.billed_transitions) * EXECUTIONS_PRICED


@dataclass(frozen=True)
class MapRun:
    """What a Distributed Map run started, and how the definition batches and spreads documents."""

    children: int
    documents: int
    statuses: Counter[str]
    inner_concurrency: int
    batch_size: int = 1

    @property
    def documents_per_child(self) -> float:
        return self.documents / self.children if self.children else 0.0

    def mean_document_seconds(self) -> float:
        """Average seconds a document adds, from this run's mix of outcomes and the assumptions."""
        if not self.documents:
            return 0.0
        ingested = self.statuses.get("ingested", 0)
        total = (
            ingested * SECONDS_PER_INGESTED_DOCUMENT
            + (self.documents - ingested) * SECONDS_PER_OTHER_DOCUMENT
        )
        return total / self.documents

    def child_seconds(self, documents: int | None = None) -> float:
        """Estimated duration of a child with `documents` (a full batch by default), in rounds of
        the inner concurrency."""
        documents = self.batch_size if documents is None else documents
        lanes = max(1, min(self.inner_concurrency, documents))
        return math.ceil(documents / lanes) * self.mean_document_seconds()


@dataclass(frozen=True)
class RagCost:
    """Step Functions dollars for `documents` documents with this run's mix and the definition's batching."""

    label: str
    parent_transitions: int
    run: MapRun
    documents: int = DOCUMENTS_PRICED

    @property
    def children(self) -> int:
        return math.ceil(self.documents / self.run.batch_size)

    @property
    def parent_dollars(self) -> float:
        return prices.standard_charge(self.parent_transitions + self.children)

    @property
    def child_dollars(self) -> float:
        per_child = min(self.run.batch_size, self.documents)
        return prices.express_charge([self.run.child_seconds(per_child)]) * self.children

    @property
    def total(self) -> float:
        return self.parent_dollars + self.child_dollars


def distributed_map(definition: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """The (name, state) of the definition's Distributed Map."""
    for name, state in definition["States"].items():
        processor = state.get("ItemProcessor") or state.get("Iterator") or {}
        if state["Type"] == "Map" and processor.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED":
            return name, state
    raise ValueError("the definition has no Distributed Map state")


def batch_size(state: Mapping[str, Any]) -> int:
    """Items per child execution: the ItemBatcher's MaxItemsPerBatch, or 1 without a batcher."""
    batcher = state.get("ItemBatcher")
    if not batcher:
        return 1
    if "MaxItemsPerBatch" not in batcher:
        raise ValueError("the ItemBatcher sets no MaxItemsPerBatch: the batch size is not in the definition")
    return int(batcher["MaxItemsPerBatch"])


def inner_concurrency(processor: Mapping[str, Any]) -> int:
    """Documents a child works on at once: its inline Map's MaxConcurrency (0 = all), else 1."""
    for state in processor["States"].values():
        if state["Type"] == "Map":
            return int(state.get("MaxConcurrency", 0)) or 1_000_000
    return 1


def at_result_path(output: Any, result_path: str) -> Any:
    """The part of a state's output its `ResultPath` (`$` or `$.a.b`) wrote."""
    for field in result_path.removeprefix("$").split(".")[1:]:
        output = output[field]
    return output


def child_entries(
    runner: LocalRunner, result: RunResult, map_state: str, result_path: str
) -> list[dict[str, Any]]:
    """Every child execution the Map run recorded, from its ResultWriter manifest and files."""
    details = at_result_path(result.state_output(map_state), result_path)["ResultWriterDetails"]
    s3 = runner.client("s3")
    manifest = _json_object(s3, details["Bucket"], details["Key"])
    entries: list[dict[str, Any]] = []
    for files in manifest["ResultFiles"].values():
        for file in files:
            entries.extend(_json_object(s3, manifest["DestinationBucket"], file["Key"]))
    return entries


def documents_in(entry: Mapping[str, Any]) -> int:
    """A child's documents: the batch's `Items` when the Map batches, else the one item."""
    child_input = json.loads(entry["Input"])
    if isinstance(child_input, dict) and isinstance(child_input.get("Items"), list):
        return len(child_input["Items"])
    return 1


def report_statuses(runner: LocalRunner, result: RunResult) -> Counter[str]:
    report = result.output["report"]
    body = runner.client("s3").get_object(Bucket=report["bucket"], Key=report["documentsKey"])["Body"]
    return Counter(json.loads(line)["status"] for line in body.read().decode().splitlines() if line)


def map_run(runner: LocalRunner, result: RunResult) -> MapRun:
    arn = runner.state_machine_arn()
    definition = json.loads(
        runner.client("stepfunctions").describe_state_machine(stateMachineArn=arn)["definition"]
    )
    name, state = distributed_map(definition)
    state = with_item_batcher(runner, arn, name, state)
    entries = child_entries(runner, result, name, state.get("ResultPath", "$"))
    return MapRun(
        children=len(entries),
        documents=sum(documents_in(entry) for entry in entries),
        statuses=report_statuses(runner, result),
        inner_concurrency=inner_concurrency(state.get("ItemProcessor") or state["Iterator"]),
        batch_size=batch_size(state),
    )


def with_item_batcher(
    runner: LocalRunner, arn: str, name: str, state: Mapping[str, Any]
) -> Mapping[str, Any]:
    """The Map state as synthesized: localrun hands moto its definition without `ItemBatcher`."""
    deployment = runner.deployment
    logical_ids = [logical_id for logical_id, known in deployment.state_machines.items() if known == arn]
    batcher = deployment.item_batchers.get(logical_ids[0], {}).get(name) if logical_ids else None
    return {**state, "ItemBatcher": batcher} if batcher else state


def _json_object(s3: Any, bucket: str, key: str) -> Any:
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


@dataclass(frozen=True)
class AgentRun:
    """One agent run: its execution, the model tokens it used and what they and the orchestration cost."""

    execution: ExecutionCost
    model_id: str
    input_tokens: int
    output_tokens: int
    reported_dollars: float  # the run's own `usage.costUsd` (its handlers price every model call)

    @property
    def model_dollars(self) -> float:
        """The tokens at the bench's price table (the same table the handlers' cost cap reads)."""
        return prices.model_charge(self.model_id, self.input_tokens, self.output_tokens)

    @property
    def orchestration_dollars(self) -> float:
        """Step Functions' charge for the run (Standard: per transition)."""
        return prices.standard_charge(self.execution.billed_transitions)


def agent_run(execution: ExecutionCost, model_id: str, output: Any) -> AgentRun:
    """The run's usage from its output (`{usage: {inputTokens, outputTokens, costUsd}}`)."""
    usage = output.get("usage") if isinstance(output, dict) else None
    if not isinstance(usage, dict) or not all(k in usage for k in ("inputTokens", "outputTokens", "costUsd")):
        raise HappyPathFailed(f"{execution.path.label}: the output reports no usage: {output!r}")
    return AgentRun(
        execution,
        model_id,
        int(usage["inputTokens"]),
        int(usage["outputTokens"]),
        float(usage["costUsd"]),
    )


def agent_model_id(env: str) -> str:
    """The model the environment's agent calls (cdk.json `agent.modelId`)."""
    from stacks.application import project_context
    from stacks.config import load_environment

    return load_environment(project_context()["environments"], env).agent.model_id


def agent_figures(run: AgentRun) -> Iterable[Figure]:
    label = run.execution.path.label
    per = f"{AGENT_RUNS_PRICED:,} runs"
    yield Figure(SECTION, f"{label}: model tokens in", run.input_tokens, "tokens", note="scripted turns")
    yield Figure(SECTION, f"{label}: model tokens out", run.output_tokens, "tokens", note="scripted turns")
    yield Figure(
        SECTION,
        f"{label}: model $ per {per}",
        round(run.model_dollars * AGENT_RUNS_PRICED, 4),
        "$",
        note=f"{run.model_id}; the run reported ${run.reported_dollars:.6f} per run",
    )
    yield Figure(
        SECTION,
        f"{label}: orchestration $ per {per}",
        round(run.orchestration_dollars * AGENT_RUNS_PRICED, 4),
        "$",
        note=f"{run.execution.billed_transitions} Standard transitions per run",
    )


def _agent_details(run: AgentRun) -> dict[str, Any]:
    return {
        "modelId": run.model_id,
        "inputTokens": run.input_tokens,
        "outputTokens": run.output_tokens,
        "reportedDollars": round(run.reported_dollars, 6),
        "modelDollars": round(run.model_dollars, 6),
        "orchestrationDollars": round(run.orchestration_dollars, 6),
    }


def measure(env: str = "dev") -> tuple[list[Figure], dict[str, Any]]:
    """Run every happy path once (RAG twice: new corpus, then unchanged) and price them."""
    figures: list[Figure] = []
    details: dict[str, Any] = {"executions": [], "rag": []}
    for path in HAPPY_PATHS:
        sample = path.load()
        with fresh_runner(path, env) as runner:
            result = run_checked(path, runner, sample)
            mapped = map_run(runner, result) if path.workflow == "rag" else None
            cost = ExecutionCost(
                path,
                state_machine_type(runner, sample),
                result.status,
                result.transitions,
                result.simulated_seconds,
                child_starts=mapped.children if mapped else 0,
            )
            figures.extend(execution_figures(cost))
            details["executions"].append(_execution_details(cost))
            if path.workflow == "agent":
                run = agent_run(cost, agent_model_id(env), result.output)
                figures.extend(agent_figures(run))
                details["executions"][-1]["agent"] = _agent_details(run)
            if mapped is not None:
                rerun = runner.run(sample.input, timeout=300)
                if not rerun.succeeded:
                    raise HappyPathFailed(f"{path.label} re-run: {rerun.status} {rerun.error}")
                for label, run, runs in (
                    ("new corpus", result, mapped),
                    ("unchanged re-run", rerun, map_run(runner, rerun)),
                ):
                    rag = RagCost(label, run.transitions, runs)
                    figures.extend(rag_figures(rag, with_target=label == "new corpus"))
                    details["rag"].append(_rag_details(rag))
    figure, event_details = event_driven(env)
    figures.append(figure)
    details["rag"].append(event_details)
    bulk = next(item for item in details["rag"] if item["run"] == "new corpus")["totalDollars"]
    upload_figures, upload_details = upload_batched(env, bulk)
    figures.extend(upload_figures)
    details["rag"].append(upload_details)
    details["assumptions"] = {
        "secondsPerIngestedDocument": SECONDS_PER_INGESTED_DOCUMENT,
        "secondsPerOtherDocument": SECONDS_PER_OTHER_DOCUMENT,
        "expressMemoryMB": prices.EXPRESS_MEMORY_CHUNK_MB,
        "prices": {
            "source": prices.PRICES_SOURCE,
            "readOn": prices.PRICES_READ_ON,
            "region": prices.PRICES_REGION,
            "standardPerTransition": prices.STANDARD_PER_TRANSITION,
            "expressPerRequest": prices.EXPRESS_PER_REQUEST,
            "expressPerGbSecond": prices.EXPRESS_PER_GB_SECOND,
        },
    }
    return figures, details


def event_driven(env: str) -> tuple[Figure, dict[str, Any]]:
    """RAG with one run per upload (how uploads ran before the pipe batched them), for comparison."""
    path = HappyPath("rag", EVENT_DRIVEN_SAMPLE)
    with fresh_runner(path, env) as runner:
        result = run_checked(path, runner)
        one = RagCost("event-driven", result.transitions, map_run(runner, result), documents=1)
    total = one.total * DOCUMENTS_PRICED
    figure = Figure(
        SECTION,
        f"rag one run per upload (unbatched, for comparison): $ per {DOCUMENTS_PRICED:,} documents",
        round(total, 2),
        "$",
        note=f"{result.transitions + one.children} parent transitions per object (uploads are batched)",
    )
    return figure, {**_rag_details(one), "documentsPriced": DOCUMENTS_PRICED, "totalDollars": round(total, 4)}


def upload_path_dollars(one_run: RagCost) -> tuple[int, float, float]:
    """(runs, queue and pipe dollars, total dollars) for DOCUMENTS_PRICED uploads in full batches of
    `one_run.documents`, each batch one run like `one_run`."""
    runs = math.ceil(DOCUMENTS_PRICED / one_run.documents)
    pipe_requests = math.ceil(one_run.documents * UPLOAD_RECORD_BYTES / prices.PIPES_CHUNK_BYTES)
    queue_and_pipe = (
        DOCUMENTS_PRICED * SQS_REQUESTS_PER_DOCUMENT * prices.SQS_PER_REQUEST
        + runs * pipe_requests * prices.PIPES_PER_REQUEST
    )
    return runs, queue_and_pipe, one_run.total * runs + queue_and_pipe


def upload_batched(env: str, bulk_dollars: float) -> tuple[list[Figure], dict[str, Any]]:
    """RAG fed by the upload pipe: the sample corpus queued as uploads, drained into one run.

    The run's parent transitions are fixed per run; priced for 100,000 uploads arriving in full
    batches of `uploadBatchSize` (a slower trickle starts one run per `uploadDelaySeconds` instead:
    at most 1,440 runs a day at 60 s).
    """
    from localrun.emulation import pipes
    from localrun.samples import seed
    from stacks.rag.construct import UPLOAD_PIPE, UPLOAD_QUEUE

    path = HappyPath("rag", UPLOAD_SAMPLE)
    sample = path.load()
    with fresh_runner(path, env) as runner:
        seed(runner, sample.seed, sample.path.parent)
        sqs = runner.client("sqs")
        queue_url = runner.resource(UPLOAD_QUEUE).attributes["QueueUrl"]
        bucket = runner.resource("Workflow/Sources").name
        listed = runner.client("s3").list_objects_v2(Bucket=bucket)["Contents"]
        for entry in listed:
            sqs.send_message(
                QueueUrl=queue_url, MessageBody=json.dumps({"bucket": bucket, "key": entry["Key"]})
            )
        batch_size = pipes.pipe(runner, UPLOAD_PIPE).batch_size
        [execution] = pipes.drain(runner, UPLOAD_PIPE)
        result = execution.wait(timeout=300)
        if not result.succeeded:
            raise HappyPathFailed(f"rag upload batch: {result.status} {result.error}")
        mapped = map_run(runner, result)
    one_run = RagCost("upload batch", result.transitions, mapped, documents=batch_size)
    runs, queue_and_pipe, total = upload_path_dollars(one_run)
    ratio = total / bulk_dollars
    figures = [
        Figure(
            SECTION,
            f"rag upload path (a run per {batch_size} uploads): $ per {DOCUMENTS_PRICED:,} documents",
            round(total, 2),
            "$",
            note=f"{runs:,} runs of {result.transitions} parent transitions + {one_run.children} child "
            f"starts; queue and pipe ${queue_and_pipe:.2f}; measured: {len(listed)} queued uploads, one run",
        ),
        Figure(
            SECTION,
            "rag upload path cost / bulk prefix path cost",
            round(ratio, 2),
            "x",
            Target("<=", UPLOAD_TARGET_RATIO),
        ),
    ]
    return figures, {
        **_rag_details(one_run),
        "run": "upload batch",
        "runsPriced": runs,
        "queueAndPipeDollars": round(queue_and_pipe, 4),
        "documentsPriced": DOCUMENTS_PRICED,
        "totalDollars": round(total, 4),
        "ratioToBulk": round(ratio, 3),
    }


def execution_figures(cost: ExecutionCost) -> Iterable[Figure]:
    label = cost.path.label
    is_order = cost.path.workflow == "orders"
    kind = "3-item order" if is_order else cost.machine_type.lower()
    if cost.child_starts:
        kind += f", incl. {cost.child_starts} Distributed Map child start(s); children priced below"
    yield Figure(
        SECTION,
        f"{label}: state transitions",
        cost.billed_transitions,
        "transitions",
        ORDER_TRANSITIONS_TARGET if is_order else None,
        note=kind,
    )
    yield Figure(SECTION, f"{label}: simulated duration", round(cost.simulated_seconds, 3), "s")
    yield Figure(SECTION, f"{label}: $ per 1,000,000 executions", round(cost.dollars_per_million, 2), "$")


def rag_figures(rag: RagCost, *, with_target: bool) -> Iterable[Figure]:
    per = f"rag {rag.label}: "
    yield Figure(
        SECTION,
        per + "documents per child execution",
        round(rag.run.documents_per_child, 2),
        "documents",
        note=f"measured: {rag.run.children} child execution(s) for {rag.run.documents} documents; "
        f"batches of {rag.run.batch_size}, {rag.run.inner_concurrency} at a time",
    )
    yield Figure(
        SECTION,
        per + f"$ per {rag.documents:,} documents",
        round(rag.total, 2),
        "$",
        RAG_DOLLARS_TARGET if with_target else None,
        note=f"parent ${rag.parent_dollars:.2f} ({rag.children:,} child starts) + Express children "
        f"${rag.child_dollars:.2f} ({rag.run.child_seconds(min(rag.run.batch_size, rag.documents)):.1f} s "
        "each, estimated)",
    )


def _execution_details(cost: ExecutionCost) -> dict[str, Any]:
    return {
        "workflow": cost.path.workflow,
        "sample": cost.path.sample,
        "type": cost.machine_type,
        "transitions": cost.transitions,
        "childStarts": cost.child_starts,
        "simulatedSeconds": round(cost.simulated_seconds, 3),
        "dollarsPerMillion": round(cost.dollars_per_million, 2),
    }


def _rag_details(rag: RagCost) -> dict[str, Any]:
    return {
        "run": rag.label,
        "parentTransitions": rag.parent_transitions,
        "children": rag.run.children,
        "documents": rag.run.documents,
        "statuses": dict(rag.run.statuses),
        "innerConcurrency": rag.run.inner_concurrency,
        "batchSize": rag.run.batch_size,
        "childrenPriced": rag.children,
        "estimatedChildSeconds": round(rag.run.child_seconds(), 3),
        "documentsPriced": rag.documents,
        "parentDollars": round(rag.parent_dollars, 4),
        "childDollars": round(rag.child_dollars, 4),
        "totalDollars": round(rag.total, 4),
    }
