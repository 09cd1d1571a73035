"""bench/cost.py: reading a Distributed Map run and scaling it to 100,000 documents."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from bench import cost, prices
from bench.happy_paths import HAPPY_PATHS, HappyPath
from tests.support.cfn_tokens import definition_of
from tests.support.synth import template_of

BATCHED_PROCESSOR = {
    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
    "StartAt": "Documents",
    "States": {"Documents": {"Type": "Map", "MaxConcurrency": 4, "End": True}},
}


def test_the_rag_parent_has_one_distributed_map() -> None:
    template = template_of("dev", "rag")
    (machine,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"
    ]
    name, state = cost.distributed_map(definition_of(machine, template))
    assert state["Type"] == "Map" and name in definition_of(machine, template)["States"]


def test_a_definition_without_a_distributed_map_is_refused() -> None:
    with pytest.raises(ValueError, match="no Distributed Map"):
        cost.distributed_map({"States": {"Inline": {"Type": "Map", "ItemProcessor": {"States": {}}}}})


def test_inner_concurrency_is_the_inline_maps_or_one() -> None:
    assert cost.inner_concurrency(BATCHED_PROCESSOR) == 4
    assert cost.inner_concurrency({"States": {"Fetch": {"Type": "Task"}}}) == 1
    unlimited = {"States": {"Documents": {"Type": "Map", "MaxConcurrency": 0}}}
    assert cost.inner_concurrency(unlimited) > 1000


def test_a_child_carries_its_batch_or_one_item() -> None:
    assert (
        cost.documents_in({"Input": json.dumps({"Items": [{"key": "a"}, {"key": "b"}], "BatchInput": {}})})
        == 2
    )
    assert cost.documents_in({"Input": json.dumps({"item": {"key": "a"}})}) == 1


def test_result_path_selects_the_maps_output() -> None:
    output = {"prefix": "p", "map": {"ResultWriterDetails": {"Bucket": "b", "Key": "k"}}}
    assert cost.at_result_path(output, "$.map") == output["map"]
    assert cost.at_result_path(output, "$") == output


def test_the_batch_size_is_the_item_batchers() -> None:
    assert cost.batch_size({"Type": "Map"}) == 1
    assert cost.batch_size({"Type": "Map", "ItemBatcher": {"MaxItemsPerBatch": 10}}) == 10
    with pytest.raises(ValueError, match="MaxItemsPerBatch"):
        cost.batch_size({"Type": "Map", "ItemBatcher": {"MaxInputBytesPerBatch": 1024}})


def test_one_child_per_document_pays_a_parent_transition_per_document() -> None:
    run = cost.MapRun(children=6, documents=6, statuses=Counter(ingested=6), inner_concurrency=1)
    rag = cost.RagCost("test", parent_transitions=6, run=run, documents=100_000)
    assert rag.children == 100_000
    assert rag.parent_dollars == pytest.approx(prices.standard_charge(6 + 100_000))
    assert run.child_seconds() == cost.SECONDS_PER_INGESTED_DOCUMENT
    assert rag.child_dollars == pytest.approx(100_000 * prices.express_charge([4.0]))


def test_batching_divides_the_parent_transitions_and_rounds_run_in_parallel() -> None:
    statuses = Counter(ingested=3, unchanged=1)
    run = cost.MapRun(children=1, documents=4, statuses=statuses, inner_concurrency=5, batch_size=10)
    rag = cost.RagCost("test", parent_transitions=6, run=run, documents=100_000)
    assert rag.children == 10_000
    assert rag.parent_dollars == pytest.approx(prices.standard_charge(6 + 10_000))
    mean = (3 * 4.0 + 1 * 0.5) / 4
    assert run.mean_document_seconds() == pytest.approx(mean)
    assert run.child_seconds() == pytest.approx(2 * mean)  # 10 documents, 5 at a time
    assert rag.child_dollars == pytest.approx(10_000 * prices.express_charge([2 * mean]))
    assert rag.total < cost.RagCost("unbatched", 6, cost.MapRun(4, 4, statuses, 1)).total / 4


def test_standard_and_express_executions_are_priced_by_their_own_rules() -> None:
    path = HappyPath("orders", "happy-path")
    standard = cost.ExecutionCost(path, "STANDARD", "SUCCEEDED", transitions=20, simulated_seconds=0.6)
    assert standard.dollars_per_million == pytest.approx(500.0)
    express = cost.ExecutionCost(path, "EXPRESS", "SUCCEEDED", transitions=20, simulated_seconds=0.6)
    assert express.dollars_per_million == pytest.approx(prices.express_charge([0.6]) * 1_000_000)


def test_every_registered_workflow_has_a_happy_path_that_expects_success() -> None:
    from stacks.application import WORKFLOW_STACKS

    assert {path.workflow for path in HAPPY_PATHS} == set(WORKFLOW_STACKS)
    for path in HAPPY_PATHS:
        assert path.load().expect.status == "SUCCEEDED", path.label


def test_a_standard_parent_pays_for_the_children_it_starts() -> None:
    path = HappyPath("rag", "ingest-corpus")
    parent = cost.ExecutionCost(
        path, "STANDARD", "SUCCEEDED", transitions=6, simulated_seconds=2, child_starts=3
    )
    assert parent.billed_transitions == 9
    assert parent.dollars_per_million == pytest.approx(prices.standard_charge(9) * 1_000_000)


def test_the_upload_path_pays_each_runs_fixed_transitions_once_per_batch_and_stays_within_2x_of_bulk() -> (
    None
):
    run = cost.MapRun(
        children=1, documents=6, statuses=Counter(ingested=6), inner_concurrency=10, batch_size=10
    )
    bulk = cost.RagCost("bulk", parent_transitions=8, run=run)
    batch = cost.RagCost("upload batch", parent_transitions=8, run=run, documents=100)
    runs, queue_and_pipe, total = cost.upload_path_dollars(batch)
    assert runs == 1_000
    assert total == pytest.approx(1_000 * batch.total + queue_and_pipe)
    assert queue_and_pipe == pytest.approx(
        100_000 * 1.2 * prices.SQS_PER_REQUEST + 1_000 * prices.PIPES_PER_REQUEST
    )
    assert total <= cost.UPLOAD_TARGET_RATIO * bulk.total
    one_per_run = cost.RagCost("one upload", parent_transitions=8, run=run, documents=1)
    assert cost.upload_path_dollars(one_per_run)[2] > 10 * bulk.total  # why uploads are batched


def test_an_agent_run_prices_its_tokens_and_its_transitions_apart() -> None:
    model = cost.agent_model_id("dev")
    execution = cost.ExecutionCost(
        HappyPath("agent", "parallel-tools"), "STANDARD", "SUCCEEDED", transitions=32, simulated_seconds=1
    )
    output = {"usage": {"inputTokens": 1200, "outputTokens": 300, "costUsd": 0.0021}}
    run = cost.agent_run(execution, model, output)
    assert (run.input_tokens, run.output_tokens, run.reported_dollars) == (1200, 300, 0.0021)
    assert run.model_dollars == pytest.approx(prices.model_charge(model, 1200, 300))
    assert run.orchestration_dollars == pytest.approx(prices.standard_charge(32))
    figures = {figure.name: figure for figure in cost.agent_figures(run)}
    assert figures["agent/parallel-tools: model tokens in"].value == 1200
    assert figures["agent/parallel-tools: model tokens out"].value == 300
    per = f"{cost.AGENT_RUNS_PRICED:,} runs"
    orchestration = figures[f"agent/parallel-tools: orchestration $ per {per}"].value
    assert orchestration == pytest.approx(prices.standard_charge(32) * cost.AGENT_RUNS_PRICED, abs=1e-4)


def test_an_agent_output_without_usage_is_refused_by_name() -> None:
    execution = cost.ExecutionCost(
        HappyPath("agent", "parallel-tools"), "STANDARD", "SUCCEEDED", transitions=1, simulated_seconds=0
    )
    with pytest.raises(cost.HappyPathFailed, match="reports no usage"):
        cost.agent_run(execution, cost.agent_model_id("dev"), {"status": "PUBLISHED"})
