"""The RAG ingestion workflow end to end through localrun on the sample corpus.

localrun runs the synthesized state machines with the real handlers in-process and emulates
what moto lacks: Titan Text Embeddings V2 (deterministic feature-hashing vectors) and
S3 Vectors QueryVectors (exact search). Faults stand in for service-side failures.
"""

from __future__ import annotations

from localrun import Fault
from tests.support.worlds.rag import PREFIX, UNSUPPORTED, VALID

RUN_STATES = [
    "Request",
    "Plan",
    "Sweep",
    "IngestDocuments",
    "Report",
    "AnnounceCompletion",
    "EventDelivered?",
    "RunComplete",
]


def _prefix_run(runner, **options):
    return runner.run({"prefix": PREFIX}, timeout=120, **options)


def _invoked(result, state: str) -> int:
    return sum(1 for invocation in result.invocations if invocation.state == state)


def test_first_run_ingests_second_skips_and_an_edit_reingests_only_that_document(runner, plane):
    plane.seed_corpus()

    first = _prefix_run(runner)
    assert first.status == "SUCCEEDED", first.cause
    assert list(first.states) == RUN_STATES
    summary, lines = plane.report(first)
    counts = summary["counts"]
    assert (counts["documents"], counts["ingested"], counts["failed"], counts["unchanged"]) == (6, 5, 1, 0)
    assert {name for name, line in lines.items() if line["status"] == "ingested"} == set(VALID)
    assert (lines[UNSUPPORTED]["status"], lines[UNSUPPORTED]["error"]) == ("failed", "UnsupportedFormat")
    assert counts["duplicates"] == 2  # runbook.md and runbook-copy.md: indexed once per source
    assert lines["handbook.pdf"]["title"] == "Stepwise Operations Handbook"
    assert counts["vectors"] == counts["chunks"] == len(plane.vector_keys())
    for name in VALID:
        assert len(plane.document_keys(name)) == lines[name]["chunks"] > 0
    (event,) = plane.events()
    assert (event["detail-type"], event["source"]) == ("IngestionCompleted", "stepwise.rag")
    assert event["detail"]["counts"] == counts and event["detail"]["runId"] == summary["runId"]

    second = _prefix_run(runner)
    summary, lines = plane.report(second)
    assert summary["counts"]["unchanged"] == 6 and summary["counts"]["ingested"] == 0
    assert lines[UNSUPPORTED]["indexed"] is False  # a permanent failure is not retried unchanged
    assert _invoked(second, "Parse") == _invoked(second, "Embed") == 0
    assert len(plane.vector_keys()) == counts["vectors"]

    old_keys = plane.document_keys("runbook.md")
    plane.put(
        "runbook.md", (plane_corpus_file("runbook.md") + b"\n## Escalation\n\nPage the platform lead.\n")
    )
    third = _prefix_run(runner)
    summary, lines = plane.report(third)
    assert {name for name, line in lines.items() if line["status"] == "ingested"} == {"runbook.md"}
    assert summary["counts"]["unchanged"] == 5
    assert _invoked(third, "Embed") == 1
    new_keys = plane.document_keys("runbook.md")
    assert len(new_keys) == lines["runbook.md"]["chunks"]
    assert not set(old_keys) & set(new_keys), "stale vectors of the previous version remain"
    assert lines["runbook.md"]["deletedVectors"] == len(old_keys)
    assert plane.document_keys("runbook-copy.md")  # the duplicate source is untouched
    assert plane.registry_item("runbook.md")["version"] == lines["runbook.md"]["version"]


def plane_corpus_file(name: str) -> bytes:
    from tests.support.worlds.rag import CORPUS

    return (CORPUS / name).read_bytes()


def test_a_corrupt_pdf_fails_alone_with_a_named_error(runner, plane):
    pdf = plane_corpus_file("handbook.pdf")
    plane.put("broken.pdf", pdf[: len(pdf) // 3])
    plane.put("release-notes.txt", plane_corpus_file("release-notes.txt"))
    result = _prefix_run(runner)
    assert result.status == "SUCCEEDED"
    lines = plane.report(result)[1]
    assert (lines["broken.pdf"]["status"], lines["broken.pdf"]["error"]) == ("failed", "CorruptDocument")
    assert lines["release-notes.txt"]["status"] == "ingested"
    assert plane.registry_item("broken.pdf")["failedPermanently"] is True
    assert plane.document_keys("broken.pdf") == []


def test_a_fetch_timeout_is_retried_then_recorded_as_the_documents_failure(runner, plane):
    plane.put("release-notes.txt", plane_corpus_file("release-notes.txt"))
    once = runner.run(
        {"objects": [{"key": PREFIX + "release-notes.txt"}]},
        faults=[Fault(state="Fetch", error="FetchTimeout")],
    )
    assert plane.report(once)[1]["release-notes.txt"]["status"] == "ingested"
    # The injected timeout stands for the first attempt; the retry reached the real handler.
    assert _invoked(once, "Fetch") == 1 and once.retries >= 1

    plane.put("release-notes.txt", plane_corpus_file("release-notes.txt") + b"\nEdited.\n")
    always = runner.run(
        {"objects": [{"key": PREFIX + "release-notes.txt"}]},
        faults=[Fault(state="Fetch", error="FetchTimeout", times=None)],
    )
    # Its only document failed: the run reports it, then fails (see the all-failed test below).
    assert (always.status, always.error) == ("FAILED", "AllDocumentsFailed")
    summary, lines = plane.report(always)
    assert (lines["release-notes.txt"]["status"], lines["release-notes.txt"]["error"]) == (
        "failed",
        "FetchTimeout",
    )
    assert summary["counts"]["failed"] == 1
    assert always.faults_fired[Fault(state="Fetch", error="FetchTimeout", times=None)] == 2  # 1 + 1 retry
    assert plane.registry_item("release-notes.txt")["failedPermanently"] is False


def test_a_throttled_embedding_is_retried_and_the_document_ingested(runner, plane):
    plane.put("runbook.md", plane_corpus_file("runbook.md"))
    throttled = Fault(state="Embed", error="EmbeddingThrottled", times=1)
    result = runner.run({"objects": [{"key": PREFIX + "runbook.md"}]}, faults=[throttled])
    assert result.faults_fired[throttled] == 1
    lines = plane.report(result)[1]
    assert lines["runbook.md"]["status"] == "ingested"
    assert len(plane.document_keys("runbook.md")) == lines["runbook.md"]["chunks"]


def test_a_validation_mismatch_rolls_back_to_the_previous_version(runner, plane):
    plane.put("runbook.md", plane_corpus_file("runbook.md"))
    first = runner.run({"objects": [{"key": PREFIX + "runbook.md"}]})
    good_version = plane.report(first)[1]["runbook.md"]["version"]
    good_keys = plane.document_keys("runbook.md")

    plane.put("runbook.md", plane_corpus_file("runbook.md") + b"\n## Appendix\n\nA new section.\n")
    mismatch = Fault(state="Validate", error="ValidationMismatch", times=None)
    result = runner.run({"objects": [{"key": PREFIX + "runbook.md"}]}, faults=[mismatch])
    assert (result.status, result.error) == ("FAILED", "AllDocumentsFailed")  # its only document
    assert _invoked(result, "Upsert") == 1  # the new version was written before validation failed
    assert result.faults_fired[mismatch] == 2  # re-checked once before the rollback
    line = plane.report(result)[1]["runbook.md"]
    assert (line["status"], line["error"], line["indexedVersion"]) == (
        "failed",
        "ValidationMismatch",
        good_version,
    )
    assert line["removedVectors"] > 0
    assert plane.document_keys("runbook.md") == good_keys
    item = plane.registry_item("runbook.md")
    assert (item["version"], item["status"], item["lastError"]) == (
        good_version,
        "failed",
        "ValidationMismatch",
    )


def test_urls_outside_the_allow_list_are_reported_not_fetched(runner, plane):
    result = runner.run({"urls": ["https://docs.example.com/guide", "http://insecure.example.com/"]})
    assert (result.status, result.error) == ("FAILED", "AllDocumentsFailed")
    summary, lines = plane.report(result)
    assert summary["counts"]["failed"] == 2
    assert {line["error"] for line in lines.values()} == {"DomainNotAllowed"}


def test_a_bad_request_fails_the_run_before_any_document(runner, plane):
    result = runner.run({"prefix": "elsewhere/"})
    assert (result.status, result.error) == ("FAILED", "InvalidRequest")
    assert "IngestDocuments" not in result.states


def test_a_run_whose_report_fails_still_announces_itself_and_fails(runner, plane):
    plane.put("release-notes.txt", plane_corpus_file("release-notes.txt"))
    result = runner.run(
        {"prefix": PREFIX}, faults=[Fault(state="Report", error="ReportWriteFailed", times=None)]
    )
    assert (result.status, result.error) == ("FAILED", "IngestionRunFailed")
    assert [s for s in result.states if s in ("ReportUnavailable", "AnnounceCompletion", "RunFailed")] == [
        "ReportUnavailable",
        "AnnounceCompletion",
        "RunFailed",
    ]
    (event,) = plane.events()
    assert event["detail"] == {"runId": result.name, "outcome": "failed", "error": "ReportWriteFailed"}


def test_a_run_in_which_every_document_failed_reports_announces_and_fails(runner, plane):
    pdf = plane_corpus_file("handbook.pdf")
    plane.put("broken.pdf", pdf[: len(pdf) // 3])
    plane.put(UNSUPPORTED, plane_corpus_file(UNSUPPORTED))

    result = _prefix_run(runner)

    assert (result.status, result.error) == ("FAILED", "AllDocumentsFailed")
    assert "documents.jsonl" in result.cause
    assert list(result.states) == [*RUN_STATES[:-1], "AllDocumentsFailed"]
    summary, lines = plane.report(result)
    assert (summary["outcome"], summary["error"]["error"]) == ("failed", "AllDocumentsFailed")
    assert {name: (line["status"], line["error"]) for name, line in lines.items()} == {
        "broken.pdf": ("failed", "CorruptDocument"),
        UNSUPPORTED: ("failed", "UnsupportedFormat"),
    }
    (event,) = plane.events()
    assert event["detail-type"] == "IngestionCompleted"
    assert (event["detail"]["outcome"], event["detail"]["error"]) == ("failed", "AllDocumentsFailed")
    assert event["detail"]["counts"] == summary["counts"]
    assert (summary["counts"]["failed"], summary["counts"]["ingested"]) == (2, 0)


def test_a_run_with_nothing_to_ingest_succeeds_with_an_empty_report(runner, plane):
    result = _prefix_run(runner)

    assert result.status == "SUCCEEDED", result.cause
    assert list(result.states) == RUN_STATES
    summary, lines = plane.report(result)
    assert (summary["outcome"], summary["counts"]["documents"], lines) == ("succeeded", 0, {})
    (event,) = plane.events()
    assert event["detail"]["outcome"] == "succeeded"
