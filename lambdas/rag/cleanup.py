"""Nothing orphaned: vectors of a version the registry does not point at never stay searchable.

- `discard`: RecordFailure's own failure path. Deletes the failed version's vectors (unless the
  registry already points at that version) and forgets it as in flight; if this fails too, the
  version stays recorded under `pending` and the next run's sweep deletes it.
- `remove`: a source object that no longer exists (an Object Deleted event, or any run that finds
  the object gone) loses its vectors (current, stale and in-flight versions) and registry entry.
- `sweep`: the first step of every run. Deletes in-flight versions older than every possible child
  execution (`SWEEP_GRACE_SECONDS`), and for a prefix run removes the documents under the prefix
  whose objects no longer exist, writing a `removed` line for each into the run's records.
"""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from rag import artifacts, contract, documents, layout, registry, vector_index
from rag.errors import ConcurrentUpdate, InvalidInput
from shared import clients, environment
from shared.clients import error_code
from shared.task import logger, metrics, task_handler

# An Express child lives at most 5 minutes: a version in flight for longer was cut off.
DEFAULT_GRACE_SECONDS = 900


@task_handler
def discard(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    fetched = (event_input.get("fetch") or {}).get("document")
    count = (event_input.get("chunk") or {}).get("count")
    if not isinstance(fetched, dict) or not fetched.get("version") or not count:
        return {"removedVectors": 0}  # nothing was written for this version
    dynamodb = clients.client("dynamodb", clients.STANDARD)
    entry = registry.get(dynamodb, fetched["source"]) or {}
    removed = 0
    if entry.get("version") != fetched["version"]:
        keys = documents.chunk_keys(fetched["documentId"], fetched["version"], int(count))
        removed = vector_index.delete(clients.client("s3vectors", clients.ADAPTIVE), keys)
    registry.clear_pending(dynamodb, fetched["source"], [fetched["version"]])
    logger.warning("failed version discarded", extra={"source": fetched["source"], "removed": removed})
    return {"removedVectors": removed}


@task_handler
def remove(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    document = event_input.get("document")
    if not isinstance(document, dict) or not isinstance(document.get("source"), str):
        raise InvalidInput("expected {'document': {'source', 'documentId'}, 'runId'}")
    dynamodb = clients.client("dynamodb", clients.STANDARD)
    entry = registry.get(dynamodb, document["source"]) or {}
    removed = remove_document(
        dynamodb, clients.client("s3vectors", clients.ADAPTIVE), document["source"], entry
    )
    return documents.line(
        document["source"],
        "removed",
        reason="source deleted",
        indexedVersion=entry.get("version"),
        removedVectors=removed,
    )


@task_handler
def sweep(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    plan, run_id = event_input.get("plan"), event_input.get("runId")
    if not isinstance(plan, dict) or not isinstance(run_id, str):
        raise InvalidInput("expected {'plan': {...}, 'runId': str}")
    dynamodb, vectors = (
        clients.client("dynamodb", clients.STANDARD),
        clients.client("s3vectors", clients.ADAPTIVE),
    )
    prefix_source = None
    if plan.get("listing") == "source":
        prefix_source = documents.s3_source(str(plan["bucket"]), str(plan["prefix"]))
    cutoff = int(time.time()) - environment.integer(contract.SWEEP_GRACE_ENV, DEFAULT_GRACE_SECONDS)
    abandoned = removed = 0
    candidates = list(_candidates(dynamodb, prefix_source))
    existing = _existing_keys(plan) if prefix_source else set()
    store = (
        artifacts.Store.from_environment(clients.client("s3", clients.STANDARD)) if prefix_source else None
    )
    for entry in candidates:
        source = entry["source"]
        if prefix_source and source.startswith(prefix_source):
            key = source.removeprefix(documents.s3_source(str(plan["bucket"]), ""))
            if key not in existing:
                try:
                    count = remove_document(dynamodb, vectors, source, entry)
                except ConcurrentUpdate:
                    continue  # re-ingested meanwhile: it exists again
                line = documents.line(
                    source,
                    "removed",
                    reason="no longer under the prefix",
                    indexedVersion=entry.get("version"),
                    removedVectors=count,
                )
                assert store is not None
                store.put_json(layout.run_record_key(run_id, line["documentId"]), line)
                removed += 1
                continue
        old = {
            version: pending
            for version, pending in (entry.get("pending") or {}).items()
            if int(pending.get("at", 0)) <= cutoff
        }
        abandoned += _delete_versions(vectors, entry, old)
        registry.clear_pending(dynamodb, source, list(old))
    if removed:
        metrics.add_metric(name="DocumentsRemoved", unit=MetricUnit.Count, value=removed)
    logger.info("swept", extra={"abandonedVectors": abandoned, "removedDocuments": removed})
    return {"abandonedVectors": abandoned, "removedDocuments": removed}


def remove_document(dynamodb: Any, vectors: Any, source: str, entry: dict[str, Any]) -> int:
    """Delete every version of `source` the registry knows of, then its entry (unless a run
    committed another version meanwhile: `ConcurrentUpdate`)."""
    if not entry:
        return 0
    document_id = entry.get("documentId") or documents.document_id(source)
    versions: dict[str, Any] = dict(entry.get("pending") or {})
    for known in (entry, entry.get("stale")):
        if known and known.get("version"):
            versions[known["version"]] = {"chunkCount": known.get("chunkCount", 0)}
    keys = [
        key
        for version, known in versions.items()
        for key in documents.chunk_keys(document_id, version, int(known.get("chunkCount", 0)))
    ]
    count = vector_index.delete(vectors, keys)
    condition, values = "attribute_not_exists(version)", {}
    if entry.get("version"):
        condition, values = "version = :version", {":version": entry["version"]}
    try:
        dynamodb.delete_item(
            TableName=registry.table(),
            Key=registry.key(source),
            ConditionExpression=condition,
            **({"ExpressionAttributeValues": registry.to_item(values)} if values else {}),
        )
    except ClientError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise
        raise ConcurrentUpdate(f"{source}: the registry changed while its document was removed") from None
    logger.info("document removed", extra={"source": source, "removedVectors": count})
    return count


def _delete_versions(vectors: Any, entry: dict[str, Any], versions: dict[str, Any]) -> int:
    """Delete the vectors of in-flight `versions`, never those of the registry's current version."""
    document_id = entry.get("documentId") or documents.document_id(entry["source"])
    current = {entry.get("version"), (entry.get("stale") or {}).get("version")}
    keys = [
        key
        for version, pending in versions.items()
        if version not in current
        for key in documents.chunk_keys(document_id, version, int(pending.get("chunkCount", 0)))
    ]
    return vector_index.delete(vectors, keys) if keys else 0


def _candidates(dynamodb: Any, prefix_source: str | None) -> Any:
    """Registry entries with versions in flight, plus (prefix runs) every entry under the prefix."""
    condition = "attribute_exists(pending)"
    values: dict[str, Any] = {}
    if prefix_source:
        condition += " OR begins_with(#source, :prefix)"
        values[":prefix"] = prefix_source
    parameters: dict[str, Any] = {
        "TableName": registry.table(),
        "FilterExpression": condition,
        "ConsistentRead": True,
    }
    if values:
        parameters["ExpressionAttributeNames"] = {"#source": contract.REGISTRY_KEY}
        parameters["ExpressionAttributeValues"] = registry.to_item(values)
    for page in dynamodb.get_paginator("scan").paginate(**parameters):
        for item in page.get("Items", []):
            yield registry.from_item(item)


def _existing_keys(plan: dict[str, Any]) -> set[str]:
    keys: set[str] = set()
    paginator = clients.client("s3", clients.STANDARD).get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=plan["bucket"], Prefix=plan["prefix"]):
        keys.update(entry["Key"] for entry in page.get("Contents", []))
    return keys
