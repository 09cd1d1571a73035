"""Report: counts and per-document lines from the run records and the ResultWriter manifest."""

from __future__ import annotations

import json

from rag import documents, report

from tests.lambdas.rag.ragaws import ARTIFACTS, SOURCES, invoke


def _record(aws, run_id: str, line: dict) -> None:
    aws.s3.put_object(
        Bucket=ARTIFACTS, Key=f"runs/{run_id}/documents/{line['documentId']}.json", Body=json.dumps(line)
    )


def _lines() -> list[dict]:
    def source(name: str) -> str:
        return f"s3://{SOURCES}/documents/{name}"

    return [
        documents.line(source("a.md"), "ingested", contentHash="h1", chunks=3, vectors=3, deletedVectors=2),
        documents.line(
            source("a-copy.md"), "ingested", contentHash="h1", chunks=3, vectors=3, deletedVectors=0
        ),
        documents.line(source("b.txt"), "unchanged", contentHash="h2", chunks=4),
        documents.line(source("c.pdf"), "failed", contentHash="h3", error="CorruptDocument"),
        documents.line(source("dir/"), "ignored", reason="folder marker"),
    ]


def test_report_counts_every_document_and_writes_the_lines(aws):
    for line in _lines():
        _record(aws, "run-1", line)
    state = {
        "plan": {"runId": "run-1", "listing": "source", "bucket": SOURCES, "prefix": "documents/"},
        "map": {},
    }
    result = invoke(report.handler, state, "Report")
    counts = {
        "documents": 5, "ingested": 2, "unchanged": 1, "failed": 1, "ignored": 1,
        "chunks": 6, "vectors": 6, "deletedVectors": 2, "duplicates": 2,
    }  # fmt: skip
    assert result["outcome"] == "succeeded"
    assert result["counts"] == counts
    assert result["event"] == {
        "runId": "run-1",
        "outcome": "succeeded",
        "counts": counts,
        "report": {
            "bucket": ARTIFACTS,
            "summaryKey": "reports/run-1/summary.json",
            "documentsKey": "reports/run-1/documents.jsonl",
        },
    }
    written = [
        json.loads(line) for line in aws.artifact("reports/run-1/documents.jsonl").decode().splitlines()
    ]
    assert written == sorted(_lines(), key=lambda line: line["source"])
    summary = json.loads(aws.artifact("reports/run-1/summary.json"))
    assert summary["counts"] == counts and summary["request"]["prefix"] == "documents/"


def test_children_that_died_without_a_line_are_reported_from_the_result_writer(aws):
    _record(aws, "run-2", _lines()[0])
    failed_child = {
        "ExecutionArn": "arn:aws:states:us-east-1:123456789012:express:x:y:z",
        "Input": json.dumps(
            {"item": {"listing": "source", "bucket": SOURCES, "key": "documents/huge.pdf"}, "runId": "run-2"}
        ),
        "Error": "States.Timeout",
        "Cause": "The execution timed out",
        "Status": "FAILED",
    }
    aws.s3.put_object(Bucket=ARTIFACTS, Key="map-results/m1/FAILED_0.json", Body=json.dumps([failed_child]))
    manifest = {
        "ResultFiles": {
            "FAILED": [{"Key": "map-results/m1/FAILED_0.json", "Size": 1}],
            "SUCCEEDED": [],
            "PENDING": [],
        }
    }
    aws.s3.put_object(Bucket=ARTIFACTS, Key="map-results/m1/manifest.json", Body=json.dumps(manifest))
    state = {
        "plan": {"runId": "run-2"},
        "map": {"ResultWriterDetails": {"Bucket": ARTIFACTS, "Key": "map-results/m1/manifest.json"}},
    }
    result = invoke(report.handler, state, "Report")
    assert (result["counts"]["documents"], result["counts"]["failed"]) == (2, 1)
    lines = [json.loads(line) for line in aws.artifact("reports/run-2/documents.jsonl").decode().splitlines()]
    timed_out = next(line for line in lines if line["status"] == "failed")
    assert (timed_out["source"], timed_out["error"]) == (
        f"s3://{SOURCES}/documents/huge.pdf",
        "States.Timeout",
    )


def test_a_failed_map_run_is_reported_as_failed_with_what_was_processed(aws):
    _record(aws, "run-3", _lines()[2])
    state = {
        "plan": {"runId": "run-3"},
        "mapError": {"Error": "States.ItemReaderFailed", "Cause": "Access denied"},
    }
    result = invoke(report.handler, state, "Report")
    assert (result["outcome"], result["counts"]["unchanged"]) == ("failed", 1)
    summary = json.loads(aws.artifact("reports/run-3/summary.json"))
    assert summary["error"] == {"error": "States.ItemReaderFailed", "message": "Access denied"}
    assert result["event"]["error"] == "States.ItemReaderFailed"
