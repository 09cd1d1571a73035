"""Upsert's in-flight record, DiscardVersion, RemoveDocument and the run Sweep against moto."""

from __future__ import annotations

import json

from rag import cleanup, commit, documents

from shared import clients
from tests.lambdas.rag.ragaws import LONG_MARKDOWN, REGISTRY, SOURCES, invoke, run_steps

SOURCE = f"s3://{SOURCES}/documents/guide.md"
PLAN = {"runId": "r2", "listing": "source", "bucket": SOURCES, "prefix": "documents/"}


def _keys(state: dict) -> list[str]:
    document = state["fetch"]["document"]
    return documents.chunk_keys(document["documentId"], document["version"], state["chunk"]["count"])


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


def _age(version: str) -> None:
    clients.client("dynamodb", clients.STANDARD).update_item(
        TableName=REGISTRY,
        Key={"source": {"S": SOURCE}},
        UpdateExpression="SET pending.#v.#at = :zero",
        ExpressionAttributeNames={"#v": version, "#at": "at"},
        ExpressionAttributeValues={":zero": {"N": "0"}},
    )


def test_upsert_records_the_version_in_flight_and_commit_forgets_it(aws, bedrock):
    state = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="validate")
    version = state["fetch"]["document"]["version"]
    item = aws.registry_item(SOURCE)
    assert item["pending"][version]["chunkCount"] == state["chunk"]["count"]
    assert "status" not in item and "version" not in item
    _commit(state)
    assert aws.registry_item(SOURCE)["pending"] == {}


def test_discard_deletes_an_uncommitted_version_and_its_bare_registry_item(aws, bedrock):
    state = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="validate")
    assert set(_keys(state)) <= set(aws.vector_keys())
    result = invoke(cleanup.discard, state)
    assert result == {"removedVectors": state["chunk"]["count"]}
    assert aws.vector_keys() == []
    assert aws.registry_item(SOURCE) is None  # a new document that got nowhere leaves no entry


def test_discard_never_deletes_the_committed_version(aws, bedrock):
    state = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="validate")
    _commit(state)  # e.g. Commit's response was lost, then RecordFailure failed
    assert invoke(cleanup.discard, state) == {"removedVectors": 0}
    assert set(_keys(state)) == set(aws.vector_keys())


def test_the_sweep_deletes_abandoned_versions_only_after_the_grace(aws, bedrock):
    state = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="validate")
    version = state["fetch"]["document"]["version"]
    objects_run = {"plan": {"runId": "r2", "listing": "requests"}, "runId": "r2"}
    assert invoke(cleanup.sweep, objects_run) == {"abandonedVectors": 0, "removedDocuments": 0}
    assert set(_keys(state)) == set(aws.vector_keys())  # may still be in flight in another run
    _age(version)
    swept = invoke(cleanup.sweep, objects_run)
    assert swept == {"abandonedVectors": state["chunk"]["count"], "removedDocuments": 0}
    assert aws.vector_keys() == [] and aws.registry_item(SOURCE) is None


def test_a_prefix_sweep_removes_documents_whose_objects_are_gone(aws, bedrock):
    state = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="validate")
    _commit(state)
    assert invoke(cleanup.sweep, {"plan": PLAN, "runId": "r2"})["removedDocuments"] == 0
    aws.s3.delete_object(Bucket=SOURCES, Key="documents/guide.md")
    assert invoke(cleanup.sweep, {"plan": PLAN, "runId": "r3"})["removedDocuments"] == 1
    assert aws.vector_keys() == [] and aws.registry_item(SOURCE) is None
    (record,) = aws.artifact_keys("runs/r3/documents/")
    assert json.loads(aws.artifact(record))["status"] == "removed"


def test_remove_deletes_every_known_version_then_the_entry(aws, bedrock):
    state = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="validate")
    _commit(state)
    line = invoke(cleanup.remove, {"document": {"source": SOURCE}, "runId": "r2"})
    assert (line["status"], line["removedVectors"]) == ("removed", state["chunk"]["count"])
    assert aws.vector_keys() == [] and aws.registry_item(SOURCE) is None
    again = invoke(cleanup.remove, {"document": {"source": SOURCE}, "runId": "r2"})  # a retry
    assert again["removedVectors"] == 0
