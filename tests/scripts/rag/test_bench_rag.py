"""scripts/bench_rag.py: child paths from the synthesized definition and the cost arithmetic."""

from __future__ import annotations

import pytest

from scripts import bench_rag
from tests.support.cfn_tokens import definition_of
from tests.support.synth import template_of


@pytest.fixture(scope="module")
def processor():
    template = template_of("dev", "rag")
    (machine,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"
    ]
    return bench_rag.processor_of(definition_of(machine, template))


def test_paths_follow_the_choice_and_the_catch(processor):
    assert bench_rag.path(processor, changed=True) == [
        "Fetch", "Changed?", "Parse", "Chunk", "Embed", "Upsert", "Validate", "Commit", "RecordOutcome",
    ]  # fmt: skip
    assert bench_rag.path(processor, changed=False) == ["Fetch", "Changed?", "SkipUnchanged", "RecordOutcome"]
    assert bench_rag.path(processor, changed=True, failing="Embed")[-3:] == [
        "Embed",
        "RecordFailure",
        "RecordOutcome",
    ]


def test_invocations_expected_from_report_lines(processor):
    lines = [
        {"status": "ingested"},
        {"status": "unchanged"},
        {"status": "failed", "error": "CorruptDocument"},
        {"status": "failed", "error": "DomainNotAllowed"},
    ]
    expected = bench_rag.expected_invocations(processor, lines)
    once = {step: 1 for step in ("Chunk", "Embed", "Upsert", "Validate", "Commit")}
    assert expected == {"Fetch": 4, "Parse": 2, "RecordFailure": 2, **once}
    # ingested 9, unchanged 4, failed at Parse 5, failed at Fetch 3 (Fetch, RecordFailure, RecordOutcome)
    assert bench_rag.child_transitions(processor, lines) == {9: 1, 4: 1, 5: 1, 3: 1}


def test_cost_of_100k_documents():
    lines = bench_rag.cost_lines(100_000, parent_fixed=6, per_document=9, seconds=4.0)
    assert lines[0].endswith("= $2.50")  # (6 + 100,000) x $0.025 / 1,000
    assert "requests $0.10" in lines[1] and lines[1].endswith("$0.42")  # 400,000 s x 1/16 GB x $0.06/GB-h
    assert lines[2].endswith("$3.02")
    assert lines[3].endswith("$25.00)")  # (6 + 100,000 x 10) x $0.025 / 1,000
    assert lines[4].endswith("$18.02)")  # 100,000 x (6 + 1) x $0.025 / 1,000 + $0.52
