"""Fetch: read the document, keep a raw copy, hash it and decide whether anything changed.

Output `{"status": "changed", "document": {...}}` continues the pipeline; `deleted` (an object the
registry knows no longer exists) removes the document; `unchanged` (the indexed
version, or a version that already failed permanently) and `ignored` (folder markers) carry the
document's report line instead.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from rag import artifacts, documents, layout, registry, sources
from rag.errors import InvalidInput, SourceNotFound
from shared import clients
from shared.task import logger, metrics, task_handler


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    item = event_input.get("item")
    if not isinstance(item, dict):
        raise InvalidInput("expected {'item': {...}, 'runId': str}")
    store = artifacts.Store.from_environment(clients.client("s3", clients.STANDARD))
    source = sources.resolve(store, item)
    logger.append_keys(source=source.uri)
    if source.folder_marker:
        return {"status": "ignored", "line": documents.line(source.uri, "ignored", reason="folder marker")}

    try:
        fetched = sources.read(store.client, source)
    except SourceNotFound as error:
        # The object is gone (deleted, or an Object Deleted event): a document the registry
        # knows is removed from the index; an unknown one stays a failure (a mistyped key).
        if (
            not error.missing
            or registry.get(clients.client("dynamodb", clients.STANDARD), source.uri) is None
        ):
            raise
        logger.info("source deleted")
        return {
            "status": "deleted",
            "document": {
                "source": source.uri,
                "documentId": documents.document_id(source.uri),
                "version": None,
            },
        }
    digest = documents.content_hash(fetched.body)
    version = documents.version_of(digest, documents.pipeline_fingerprint())
    document_id = documents.document_id(source.uri)
    entry = registry.get(clients.client("dynamodb", clients.STANDARD), source.uri) or {}

    if entry.get("version") == version:
        return _unchanged(
            source.uri,
            version=version,
            contentHash=digest,
            title=entry.get("title"),
            chunks=entry.get("chunkCount"),
        )
    if entry.get("failedVersion") == version and entry.get("failedPermanently"):
        return _unchanged(
            source.uri,
            version=version,
            contentHash=digest,
            indexed=False,
            error=entry.get("lastError"),
            message=entry.get("lastMessage"),
        )

    raw_key = layout.raw_key(document_id, digest)
    content_type = fetched.content_type or "application/octet-stream"
    store.put_bytes(raw_key, fetched.body, content_type, source=_ascii(source.uri))
    previous = (
        {"version": entry["version"], "chunkCount": int(entry.get("chunkCount", 0))}
        if entry.get("version")
        else None
    )
    logger.info("document changed", extra={"version": version, "previous": previous})
    return {
        "status": "changed",
        "document": {
            "source": source.uri,
            "documentId": document_id,
            "version": version,
            "contentHash": digest,
            "rawKey": raw_key,
            "contentType": fetched.content_type,
            "name": source.name,
            "bytes": len(fetched.body),
            "previous": previous,
        },
    }


def _ascii(value: str) -> str:
    """S3 user metadata must be ASCII."""
    return value.encode("ascii", "backslashreplace").decode()[:1024]


def _unchanged(uri: str, **fields: Any) -> dict[str, Any]:
    """Nothing to index: count it and carry the document's `unchanged` report line."""
    metrics.add_metric(name="DocumentsUnchanged", unit=MetricUnit.Count, value=1)
    return {"status": "unchanged", "line": documents.line(uri, "unchanged", **fields)}
