"""Nothing orphaned: vectors of a version the registry does not point at never stay searchable.

A failed version is deleted on every failure path (RecordFailure, and DiscardVersion when
RecordFailure itself fails); a version that escaped both stays recorded in the registry's
`pending` and the next run's Sweep deletes it; a deleted source object, and a document gone from
a prefix, lose their vectors and registry entry.
"""

from __future__ import annotations

from localrun import Fault
from tests.support.worlds.rag import PREFIX
from tests.workflows.rag.test_rag_workflow import plane_corpus_file

EDIT = b"\n## Appendix\n\nA new section.\n"
MISMATCH = Fault(state="Validate", error="ValidationMismatch", times=None)
RECORD_FAILS = Fault(state="RecordFailure", error="RegistryUnavailable", times=None)
DISCARD_FAILS = Fault(state="DiscardVersion", error="VectorStoreDown", times=None)


def _object_run(runner, name: str, **options):
    return runner.run({"objects": [{"key": PREFIX + name}]}, timeout=120, **options)


def _ingested(runner, plane, name: str) -> tuple[str, list[str]]:
    plane.put(name, plane_corpus_file(name))
    result = _object_run(runner, name)
    assert result.status == "SUCCEEDED", result.cause
    return plane.report(result)[1][name]["version"], plane.document_keys(name)


def _age_pending(plane, name: str) -> None:
    """Pretend the in-flight versions of `name` were recorded long ago (their runs are over)."""
    item = plane.registry_item(name)
    for version in item.get("pending", {}):
        plane.dynamodb.update_item(
            TableName=plane.registry,
            Key={"source": {"S": plane.source(name)}},
            UpdateExpression="SET pending.#v.#at = :zero",
            ExpressionAttributeNames={"#v": version, "#at": "at"},
            ExpressionAttributeValues={":zero": {"N": "0"}},
        )


def test_a_failing_record_failure_still_deletes_the_failed_version_at_once(runner, plane):
    good_version, good_keys = _ingested(runner, plane, "runbook.md")
    plane.put("runbook.md", plane_corpus_file("runbook.md") + EDIT)

    result = _object_run(runner, "runbook.md", faults=[MISMATCH, RECORD_FAILS])

    assert (result.status, result.error) == ("FAILED", "AllDocumentsFailed")
    assert [invocation.state for invocation in result.invocations].count("DiscardVersion") == 1
    line = plane.report(result)[1]["runbook.md"]
    assert (line["status"], line["error"]) == ("failed", "RegistryUnavailable")
    assert plane.document_keys("runbook.md") == good_keys  # the previous version keeps serving
    item = plane.registry_item("runbook.md")
    assert (item["version"], item.get("pending")) == (good_version, {})


def test_a_version_that_escaped_every_rollback_is_swept_by_the_next_run(runner, plane):
    good_version, good_keys = _ingested(runner, plane, "runbook.md")
    plane.put("runbook.md", plane_corpus_file("runbook.md") + EDIT)
    failed = _object_run(runner, "runbook.md", faults=[MISMATCH, RECORD_FAILS, DISCARD_FAILS])
    assert plane.report(failed)[1]["runbook.md"]["error"] == "RegistryUnavailable"
    orphans = sorted(set(plane.document_keys("runbook.md")) - set(good_keys))
    assert orphans, "the failed version's vectors should still be there before the sweep"
    (failed_version,) = plane.registry_item("runbook.md")["pending"]

    # A run while the failed version could still be in flight (within the grace) leaves it be.
    plane.put("release-notes.txt", plane_corpus_file("release-notes.txt"))
    soon = _object_run(runner, "release-notes.txt")
    assert soon.output["sweep"]["abandonedVectors"] == 0
    assert set(orphans) <= set(plane.vector_keys())

    _age_pending(plane, "runbook.md")
    later = _object_run(runner, "release-notes.txt")  # any run sweeps, whatever it ingests

    assert later.output["sweep"]["abandonedVectors"] == len(orphans)
    assert plane.document_keys("runbook.md") == good_keys
    item = plane.registry_item("runbook.md")
    assert item["version"] == good_version and failed_version not in item.get("pending", {})


def test_a_deleted_source_object_loses_its_vectors_and_registry_entry(runner, plane):
    _ingested(runner, plane, "runbook.md")
    _, notes_keys = _ingested(runner, plane, "release-notes.txt")
    plane.s3.delete_object(Bucket=plane.sources, Key=PREFIX + "runbook.md")

    # What the ObjectDeleted rule starts: a one-document run for the deleted key.
    result = _object_run(runner, "runbook.md")

    assert result.status == "SUCCEEDED", result.cause
    summary, lines = plane.report(result)
    assert (lines["runbook.md"]["status"], summary["counts"]["removed"]) == ("removed", 1)
    assert lines["runbook.md"]["removedVectors"] > 0
    assert plane.document_keys("runbook.md") == []
    assert _registry_sources(plane) == {plane.source("release-notes.txt")}
    assert plane.document_keys("release-notes.txt") == notes_keys


def test_a_key_that_never_existed_still_fails_as_not_found(runner, plane):
    result = _object_run(runner, "never-uploaded.md")
    assert (result.status, result.error) == ("FAILED", "AllDocumentsFailed")
    assert plane.report(result)[1]["never-uploaded.md"]["error"] == "SourceNotFound"


def test_a_prefix_run_removes_documents_no_longer_under_the_prefix(runner, plane):
    plane.seed_corpus()
    first = runner.run({"prefix": PREFIX}, timeout=120)
    assert first.status == "SUCCEEDED", first.cause
    kept = plane.document_keys("release-notes.txt")
    plane.s3.delete_object(Bucket=plane.sources, Key=PREFIX + "runbook.md")
    plane.s3.delete_object(Bucket=plane.sources, Key=PREFIX + "architecture.rtf")  # a failed one

    second = runner.run({"prefix": PREFIX}, timeout=120)

    assert second.status == "SUCCEEDED", second.cause
    summary, lines = plane.report(second)
    assert {name for name, line in lines.items() if line["status"] == "removed"} == {
        "runbook.md",
        "architecture.rtf",
    }
    assert (summary["counts"]["removed"], summary["counts"]["unchanged"]) == (2, 4)
    assert plane.document_keys("runbook.md") == []
    assert plane.source("runbook.md") not in _registry_sources(plane)
    assert plane.source("architecture.rtf") not in _registry_sources(plane)
    assert plane.document_keys("release-notes.txt") == kept
    assert plane.document_keys("runbook-copy.md")  # same bytes, another source: untouched


def _registry_sources(plane) -> set[str]:
    return {item["source"]["S"] for item in plane.dynamodb.scan(TableName=plane.registry)["Items"]}


def test_a_removal_that_fails_is_recorded_and_the_document_keeps_its_vectors(runner, plane):
    version, keys = _ingested(runner, plane, "runbook.md")
    plane.s3.delete_object(Bucket=plane.sources, Key=PREFIX + "runbook.md")

    result = _object_run(
        runner, "runbook.md", faults=[Fault(state="RemoveDocument", error="Boom", times=None)]
    )

    assert (result.status, result.error) == ("FAILED", "AllDocumentsFailed")
    line = plane.report(result)[1]["runbook.md"]
    assert (line["status"], line["error"], line["indexedVersion"]) == ("failed", "Boom", version)
    assert plane.document_keys("runbook.md") == keys  # the next run removes them
    again = _object_run(runner, "runbook.md")
    assert plane.report(again)[1]["runbook.md"]["status"] == "removed"
    assert plane.document_keys("runbook.md") == []
