"""Report: counts and per-document lines from the run records and the ResultWriter manifest."""

from __future__ import annotations

import json

import pytest
from rag import documents, report

from tests.lambdas.rag.ragaws import ARTIFACTS, SOURCES, invoke
from tests.support.metrics import emitted_metrics


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


def test_report_counts_every_document_and_writes_the_lines(aws, capsys):
    for line in _lines():
        _record(aws, "run-1", line)
    state = {
        "plan": {"runId": "run-1", "listing": "source", "bucket": SOURCES, "prefix": "documents/"},
        "map": {},
    }
    capsys.readouterr()
    result = invoke(report.handler, state, "Report")
    assert _failed_documents_counted(capsys.readouterr().out) == []  # RecordFailure counted c.pdf
    counts = {
        "documents": 5, "ingested": 2, "unchanged": 1, "failed": 1, "ignored": 1, "removed": 0,
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


def _result_writer(aws, run: str, **files: list[dict]) -> dict:
    """ResultWriter files for `run` (keyword: status -> child results); the Report's map output."""
    result_files = {"FAILED": [], "SUCCEEDED": [], "PENDING": []}
    for status, children in files.items():
        key = f"map-results/{run}/{status}_0.json"
        aws.s3.put_object(Bucket=ARTIFACTS, Key=key, Body=json.dumps(children))
        result_files[status] = [{"Key": key, "Size": 1}]
    manifest_key = f"map-results/{run}/manifest.json"
    aws.s3.put_object(Bucket=ARTIFACTS, Key=manifest_key, Body=json.dumps({"ResultFiles": result_files}))
    return {"ResultWriterDetails": {"Bucket": ARTIFACTS, "Key": manifest_key}}


def _item(name: str) -> dict:
    return {"listing": "source", "bucket": SOURCES, "key": f"documents/{name}"}


def _written(aws, run: str) -> dict[str, dict]:
    body = aws.artifact(f"reports/{run}/documents.jsonl").decode()
    return {json.loads(line)["source"].rsplit("/", 1)[-1]: json.loads(line) for line in body.splitlines()}


def _failed_documents_counted(output: str) -> list[float]:
    return [metric.value for metric in emitted_metrics(output) if metric.name == "DocumentsFailed"]


def test_every_unrecorded_document_of_a_failed_batch_is_reported_with_its_error(aws, capsys):
    recorded = _lines()[0]  # a.md finished before its batch timed out
    _record(aws, "run-4", recorded)
    batch = {"Items": [_item("a.md"), _item("big.pdf"), _item("late.txt")], "BatchInput": {"runId": "run-4"}}
    failed_child = {
        "ExecutionArn": "arn:aws:states:us-east-1:123456789012:express:x:y:z",
        "Input": json.dumps(batch),
        "Error": "States.Timeout",
        "Cause": "The execution timed out",
        "Status": "TIMED_OUT",
    }
    state = {"plan": {"runId": "run-4"}, "map": _result_writer(aws, "run-4", FAILED=[failed_child])}
    capsys.readouterr()

    result = invoke(report.handler, state, "Report")

    # RecordFailure never ran for them: the report counts them for the failed-documents alarm.
    assert _failed_documents_counted(capsys.readouterr().out) == [2]

    assert (result["counts"]["documents"], result["counts"]["failed"], result["counts"]["ingested"]) == (
        3,
        2,
        1,
    )
    lines = _written(aws, "run-4")
    assert lines["a.md"] == recorded
    for name in ("big.pdf", "late.txt"):
        assert (lines[name]["status"], lines[name]["error"], lines[name]["message"]) == (
            "failed",
            "States.Timeout",
            "The execution timed out",
        )
        assert lines[name]["execution"] == failed_child["ExecutionArn"]


def test_a_document_whose_outcome_was_not_recorded_is_reported_from_its_batch_output(aws):
    recorded = _lines()[2]
    _record(aws, "run-5", recorded)
    cause = json.dumps({"errorType": "RuntimeError", "errorMessage": "registry unavailable"})
    output = [recorded["documentId"], {"item": _item("lost.md"), "error": "RuntimeError", "cause": cause}]
    child = {
        "ExecutionArn": "arn:aws:states:us-east-1:123456789012:express:x:y:w",
        "Input": json.dumps({"Items": [_item("b.txt"), _item("lost.md")], "BatchInput": {"runId": "run-5"}}),
        "Output": json.dumps(output),
        "Status": "SUCCEEDED",
    }
    state = {"plan": {"runId": "run-5"}, "map": _result_writer(aws, "run-5", SUCCEEDED=[child])}

    result = invoke(report.handler, state, "Report")

    assert (result["counts"]["documents"], result["counts"]["failed"], result["counts"]["unchanged"]) == (
        2,
        1,
        1,
    )
    lost = _written(aws, "run-5")["lost.md"]
    assert (lost["status"], lost["error"], lost["message"]) == (
        "failed",
        "RuntimeError",
        "registry unavailable",
    )


def test_a_child_of_a_run_started_before_batching_is_reported_too(aws):
    """A Standard run keeps the definition it started with: its children took one item each."""
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


def test_a_run_in_which_every_document_failed_is_a_failed_run_with_every_line_reported(aws):
    failed = _lines()[3]
    also_failed = documents.line(f"s3://{SOURCES}/documents/d.rtf", "failed", error="UnsupportedFormat")
    for line in (failed, also_failed, _lines()[4]):  # plus a folder marker, which is nothing to ingest
        _record(aws, "run-6", line)

    result = invoke(report.handler, {"plan": {"runId": "run-6"}, "map": {}}, "Report")

    assert (result["outcome"], result["error"], result["event"]["error"]) == (
        "failed",
        "AllDocumentsFailed",
        "AllDocumentsFailed",
    )
    assert result["event"]["outcome"] == "failed" and result["event"]["counts"]["failed"] == 2
    summary = json.loads(aws.artifact("reports/run-6/summary.json"))
    assert summary["error"] == {
        "error": "AllDocumentsFailed",
        "message": "2 of 3 documents failed and none was ingested, unchanged or removed",
    }
    lines = _written(aws, "run-6")
    assert {name: line.get("error") for name, line in lines.items() if line["status"] == "failed"} == {
        "c.pdf": "CorruptDocument",
        "d.rtf": "UnsupportedFormat",
    }


@pytest.mark.parametrize(
    ("statuses", "outcome"),
    [
        ((), "succeeded"),  # nothing to ingest: nothing failed
        (("ignored",), "succeeded"),
        (("failed", "unchanged"), "succeeded"),
        (("failed", "ingested"), "succeeded"),
        (("failed",), "failed"),
        (("failed", "ignored"), "failed"),
    ],
)
def test_the_run_fails_only_when_documents_failed_and_none_made_it(aws, statuses, outcome):
    for index, status in enumerate(statuses):
        _record(aws, "run-7", documents.line(f"s3://{SOURCES}/documents/{index}.md", status))

    result = invoke(report.handler, {"plan": {"runId": "run-7"}, "map": {}}, "Report")

    assert result["outcome"] == result["event"]["outcome"] == outcome
    assert ("error" in result) is (outcome == "failed")
