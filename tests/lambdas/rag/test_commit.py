"""Commit and RecordFailure: promotion, previous-version cleanup, races and rollback."""

from __future__ import annotations

import json

import pytest
from rag import commit, documents, record_failure, registry
from rag.errors import ConcurrentUpdate

from tests.lambdas.rag.ragaws import ARTIFACTS, LONG_MARKDOWN, REGISTRY, SOURCES, invoke, run_steps
from tests.support.metrics import emitted_metrics

SOURCE = f"s3://{SOURCES}/documents/guide.md"


def _commit(state: dict) -> dict:
    return invoke(
        commit.handler,
        {
            "document": state["fetch"]["document"],
            "parsed": state["parse"],
            "chunks": state["chunk"],
            "validation": state["validate"],
            "runId": state["runId"],
        },
    )


def _keys(state: dict) -> list[str]:
    document = state["fetch"]["document"]
    return documents.chunk_keys(document["documentId"], document["version"], state["chunk"]["count"])


def test_first_commit_registers_the_version(aws, bedrock):
    state = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="validate")
    document = state["fetch"]["document"]
    line = _commit(state)
    assert line == {
        "source": SOURCE,
        "documentId": document["documentId"],
        "status": "ingested",
        "version": document["version"],
        "contentHash": document["contentHash"],
        "title": "Operations guide",
        "format": "markdown",
        "chunks": state["chunk"]["count"],
        "vectors": state["chunk"]["count"],
        "deletedVectors": 0,
    }
    item = aws.registry_item(SOURCE)
    assert (item["version"], item["chunkCount"], item["status"], item["lastRunId"]) == (
        document["version"],
        state["chunk"]["count"],
        "ingested",
        "r1",
    )


def test_a_new_version_replaces_the_previous_one_without_stale_vectors(aws, bedrock):
    first = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="validate")
    _commit(first)
    edited = LONG_MARKDOWN.replace(b"## Section 3", b"## Section three (edited)").split(b"## Section 2")[0]
    second = run_steps(aws, bedrock, "documents/guide.md", edited, until="validate")
    assert second["fetch"]["document"]["previous"]["version"] == first["fetch"]["document"]["version"]
    assert sorted(aws.vector_keys()) == sorted(_keys(first) + _keys(second))
    line = _commit(second)
    assert line["previousVersion"] == first["fetch"]["document"]["version"]
    assert line["deletedVectors"] == first["chunk"]["count"]
    assert aws.vector_keys() == _keys(second)
    assert _commit(second)["status"] == "ingested"  # a retried commit is harmless


def test_a_concurrent_commit_of_another_version_wins_and_this_one_is_refused(aws, bedrock):
    state = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="validate")
    aws.dynamodb.put_item(
        TableName=REGISTRY, Item=registry.to_item({"source": SOURCE, "version": "ffffffffffffffff"})
    )
    with pytest.raises(ConcurrentUpdate):
        _commit(state)


def _failed(state: dict, error: str, cause: str) -> dict:
    return invoke(
        record_failure.handler, {**state, "error": {"Error": error, "Cause": cause}}, "RecordFailure"
    )


def test_validation_failure_rolls_back_to_the_previous_version(aws, bedrock):
    first = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="validate")
    _commit(first)
    second = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN + b"\n\nMore.", until="upsert")
    cause = json.dumps({"errorType": "ValidationMismatch", "errorMessage": "index holds 3 of 5 vectors"})
    line = _failed(second, "ValidationMismatch", cause)
    assert aws.vector_keys() == _keys(first)
    assert (line["status"], line["error"], line["message"]) == (
        "failed",
        "ValidationMismatch",
        "index holds 3 of 5 vectors",
    )
    assert line["indexedVersion"] == first["fetch"]["document"]["version"]
    assert line["removedVectors"] == second["chunk"]["count"]
    item = aws.registry_item(SOURCE)
    assert (item["version"], item["chunkCount"]) == (
        first["fetch"]["document"]["version"],
        first["chunk"]["count"],
    )
    assert (item["status"], item["lastError"], item["failedVersion"], item["failedPermanently"]) == (
        "failed",
        "ValidationMismatch",
        second["fetch"]["document"]["version"],
        False,
    )


def test_permanent_failures_are_marked_so_the_next_run_skips_them(aws, bedrock, capsys):
    state = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="chunk")
    del state["chunk"], state["parse"]
    capsys.readouterr()
    line = _failed(state, "CorruptDocument", json.dumps({"errorMessage": "unreadable PDF"}))
    counted = [m.value for m in emitted_metrics(capsys.readouterr().out) if m.name == "DocumentsFailed"]
    assert counted == [1]  # what the failed-documents alarm watches
    assert "removedVectors" not in line
    assert aws.registry_item(SOURCE)["failedPermanently"] is True


def test_a_fetch_failure_is_recorded_against_the_requested_source(aws):
    key = "requests/r1/000000.json"
    aws.s3.put_object(
        Bucket=ARTIFACTS, Key=key, Body=json.dumps({"kind": "url", "url": "https://docs.example.com/a"})
    )
    state = {"item": {"listing": "requests", "bucket": ARTIFACTS, "key": key}, "runId": "r1"}
    line = _failed(state, "States.Timeout", "Task timed out after 70.00 seconds")
    assert line == {
        "source": "https://docs.example.com/a",
        "documentId": documents.document_id("https://docs.example.com/a"),
        "status": "failed",
        "error": "States.Timeout",
        "message": "Task timed out after 70.00 seconds",
    }
    item = aws.registry_item("https://docs.example.com/a")
    assert (item["status"], item["failedPermanently"]) == ("failed", False)
    assert "version" not in item


def test_committed_version_is_kept_when_only_the_cleanup_failed(aws, bedrock):
    first = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="validate")
    _commit(first)
    second = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN + b"\n\nMore.", until="validate")
    previous = second["fetch"]["document"]["previous"]
    aws.dynamodb.update_item(  # as if Commit promoted the version, then DeleteVectors kept failing
        TableName=REGISTRY,
        Key={"source": {"S": SOURCE}},
        UpdateExpression="SET version = :v",
        ExpressionAttributeValues={":v": {"S": second["fetch"]["document"]["version"]}},
    )
    _failed(second, "VectorStoreBusy", "slow down")
    assert set(_keys(second)) <= set(aws.vector_keys())
    assert aws.registry_item(SOURCE)["stale"] == previous
    third = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN + b"\n\nEven more.", until="validate")
    _commit(third)
    assert aws.vector_keys() == _keys(third)
