"""Batched ingestion: the corpus split across several Express children, every document reported once.

The stack here batches 2 documents per child (the dev default is 10), so the 6-document sample
corpus needs 3 child executions; what one document or one whole batch does to the others shows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from localrun import Fault, LocalRunner, RunResult
from localrun.template import local_app
from stacks.application import project_context
from stacks.config import load_environment
from stacks.rag.stack import RagIngestionStack
from tests.support.worlds.rag import CORPUS, PREFIX, UNSUPPORTED, VALID, RagWorld

DOCUMENTS_PER_BATCH = 2


@pytest.fixture(scope="module")
def runner() -> Iterator[LocalRunner]:
    config = load_environment(project_context()["environments"], "dev")
    rag = config.rag.model_copy(
        update={"documents_per_batch": DOCUMENTS_PER_BATCH, "batch_concurrency": 2, "max_concurrency": 4}
    )
    stack = RagIngestionStack(local_app(), config.model_copy(update={"rag": rag}))
    with LocalRunner.for_stack(stack) as local:
        yield local


def _children(runner: LocalRunner, result: RunResult) -> dict[str, list[dict[str, Any]]]:
    """The map run's child executions by ResultWriter status."""
    s3 = runner.client("s3")
    details = result.output["map"]["ResultWriterDetails"]
    manifest = json.loads(s3.get_object(Bucket=details["Bucket"], Key=details["Key"])["Body"].read())
    return {
        status: [
            child
            for entry in files
            for child in json.loads(s3.get_object(Bucket=details["Bucket"], Key=entry["Key"])["Body"].read())
        ]
        for status, files in manifest["ResultFiles"].items()
    }


def _names(child: dict[str, Any]) -> list[str]:
    return [item["key"].rsplit("/", 1)[-1] for item in json.loads(child["Input"])["Items"]]


def _report_lines(plane: RagWorld, result: RunResult) -> list[dict[str, Any]]:
    body = plane.s3.get_object(Bucket=plane.artifacts, Key=result.output["report"]["documentsKey"])["Body"]
    return [json.loads(line) for line in body.read().decode().splitlines()]


def test_a_corpus_larger_than_a_batch_runs_in_several_children_and_each_document_is_reported_once(
    runner, plane
):
    plane.seed_corpus()

    result = runner.run({"prefix": PREFIX}, timeout=120)

    assert result.status == "SUCCEEDED", result.cause
    children = _children(runner, result)
    assert (len(children["SUCCEEDED"]), children["FAILED"]) == (3, [])
    batches = [_names(child) for child in children["SUCCEEDED"]]
    assert all(len(batch) == DOCUMENTS_PER_BATCH for batch in batches)
    assert sorted(name for batch in batches for name in batch) == sorted(p.name for p in CORPUS.iterdir())
    assert {json.loads(child["Input"])["BatchInput"]["runId"] for child in children["SUCCEEDED"]} == {
        result.name
    }
    lines = _report_lines(plane, result)
    assert len(lines) == len({line["documentId"] for line in lines}) == 6
    summary, by_name = plane.report(result)
    assert (summary["counts"]["ingested"], summary["counts"]["failed"]) == (5, 1)
    assert {name for name, line in by_name.items() if line["status"] == "ingested"} == set(VALID)
    assert by_name[UNSUPPORTED]["error"] == "UnsupportedFormat"
    assert summary["counts"]["vectors"] == len(plane.vector_keys())


def test_a_document_failing_inside_a_batch_fails_alone_even_when_its_failure_cannot_be_recorded(
    runner, plane
):
    pdf = (CORPUS / "handbook.pdf").read_bytes()
    plane.put("broken.pdf", pdf[: len(pdf) // 3])
    plane.put("release-notes.txt", (CORPUS / "release-notes.txt").read_bytes())
    unrecordable = Fault(state="RecordFailure", error="RuntimeError", times=None)

    result = runner.run({"prefix": PREFIX}, faults=[unrecordable], timeout=120)

    assert result.status == "SUCCEEDED", result.cause
    children = _children(runner, result)
    [batch] = children["SUCCEEDED"]
    assert sorted(_names(batch)) == ["broken.pdf", "release-notes.txt"] and children["FAILED"] == []
    lines = plane.report(result)[1]
    assert lines["release-notes.txt"]["status"] == "ingested"
    broken = lines["broken.pdf"]
    assert (broken["status"], broken["error"], broken["execution"]) == (
        "failed",
        "RuntimeError",
        batch["ExecutionArn"],
    )
    assert result.faults_fired[unrecordable] >= 1
    assert plane.document_keys("broken.pdf") == []


def test_a_whole_batch_failing_reports_each_of_its_documents_failed_with_the_reason(runner, plane):
    plane.seed_corpus()
    timeout = Fault(state="IngestBatch", error="States.Timeout", cause="Express execution timed out", times=1)

    result = runner.run({"prefix": PREFIX}, faults=[timeout], timeout=120)

    assert result.status == "SUCCEEDED", result.cause
    assert result.faults_fired[timeout] == 1
    children = _children(runner, result)
    [failed] = children["FAILED"]
    assert len(children["SUCCEEDED"]) == 2
    lost = set(_names(failed))
    summary, lines = plane.report(result)
    assert summary["counts"]["documents"] == 6
    for name in lost:
        assert (lines[name]["status"], lines[name]["error"], lines[name]["message"]) == (
            "failed",
            "States.Timeout",
            "Express execution timed out",
        )
        assert lines[name]["execution"] == failed["ExecutionArn"]
        assert plane.document_keys(name) == []
    others = {name: line for name, line in lines.items() if name not in lost}
    assert len(others) == 4
    assert all(line.get("error") in (None, "UnsupportedFormat") for line in others.values())


def test_one_documents_task_timing_out_fails_that_document_alone_and_its_batch_mates_commit(runner, plane):
    plane.put("runbook.md", (CORPUS / "runbook.md").read_bytes())
    plane.put("release-notes.txt", (CORPUS / "release-notes.txt").read_bytes())
    timed_out = Fault(state="Embed", error="States.Timeout", cause="Task timed out", times=1)

    result = runner.run({"prefix": PREFIX}, faults=[timed_out], timeout=120)

    assert result.status == "SUCCEEDED", result.cause
    assert result.faults_fired[timed_out] == 1
    children = _children(runner, result)
    [batch] = children["SUCCEEDED"]
    assert sorted(_names(batch)) == ["release-notes.txt", "runbook.md"] and children["FAILED"] == []
    lines = plane.report(result)[1]
    failed = [name for name, line in lines.items() if line["status"] == "failed"]
    assert len(failed) == 1, lines
    [mate] = {"release-notes.txt", "runbook.md"} - set(failed)
    assert (lines[failed[0]]["error"], lines[mate]["status"]) == ("States.Timeout", "ingested")
    assert plane.document_keys(failed[0]) == []
    assert plane.document_keys(mate)
