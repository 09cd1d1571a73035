"""Commit: make the validated version current in the registry, then delete the previous version.

The registry update is the commit point and is conditional on the registry still pointing at the
version this run replaced, so two runs racing on one document cannot both win. Only after it
succeeds are the previous version's vectors deleted (keys are deterministic: no listing needed).
Re-running this task after a partial failure is safe.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from rag import documents, registry, vector_index
from rag.errors import ConcurrentUpdate, InvalidInput
from shared import clients
from shared.clients import error_code
from shared.task import logger, metrics, task_handler


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    document, parsed, chunks = (event_input.get(part) for part in ("document", "parsed", "chunks"))
    run_id = event_input.get("runId")
    if not all(isinstance(part, dict) for part in (document, parsed, chunks)) or not run_id:
        raise InvalidInput("expected {'document', 'parsed', 'chunks', 'validation', 'runId'}")
    count = int(chunks["count"])
    previous = document.get("previous")
    dynamodb = clients.client("dynamodb", clients.STANDARD)
    old = _promote(dynamodb, document, parsed, count, run_id, previous)
    registry.clear_pending(dynamodb, document["source"], [document["version"]])

    stale = [entry for entry in (previous, (old or {}).get("stale")) if entry]
    deleted = 0
    client = clients.client("s3vectors", clients.ADAPTIVE)
    for entry in stale:
        if entry["version"] != document["version"]:
            keys = documents.chunk_keys(document["documentId"], entry["version"], int(entry["chunkCount"]))
            deleted += vector_index.delete(client, keys)
    metrics.add_metric(name="DocumentsIngested", unit=MetricUnit.Count, value=1)
    logger.info("committed", extra={"version": document["version"], "deletedVectors": deleted})
    return documents.line(
        document["source"],
        "ingested",
        version=document["version"],
        contentHash=document["contentHash"],
        title=parsed.get("title"),
        format=parsed.get("format"),
        chunks=count,
        vectors=count,
        previousVersion=(previous or {}).get("version"),
        deletedVectors=deleted,
    )


def _promote(
    dynamodb: Any,
    document: dict[str, Any],
    parsed: dict[str, Any],
    count: int,
    run_id: str,
    previous: dict[str, Any] | None,
) -> dict[str, Any] | None:
    """Point the registry at the new version; return the replaced item (None if already done)."""
    values = {
        ":documentId": document["documentId"],
        ":version": document["version"],
        ":contentHash": document["contentHash"],
        ":chunkCount": count,
        ":title": parsed.get("title", ""),
        ":format": parsed.get("format", ""),
        ":ingested": "ingested",
        ":at": registry.now(),
        ":runId": run_id,
    }
    condition = "attribute_not_exists(version)"
    if previous:
        condition = "version = :previous"
        values[":previous"] = previous["version"]
    try:
        response = dynamodb.update_item(
            TableName=registry.table(),
            Key=registry.to_item({"source": document["source"]}),
            UpdateExpression=(
                "SET documentId = :documentId, version = :version, contentHash = :contentHash, "
                "chunkCount = :chunkCount, title = :title, #format = :format, "
                "#status = :ingested, indexedAt = :at, lastRunId = :runId "
                "REMOVE failedVersion, failedPermanently, lastError, lastMessage, stale"
            ),
            ConditionExpression=condition,
            ExpressionAttributeNames={"#status": "status", "#format": "format"},
            ExpressionAttributeValues=registry.to_item(values),
            ReturnValues="ALL_OLD",
        )
    except ClientError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise
        current = registry.get(dynamodb, document["source"]) or {}
        if current.get("version") == document["version"]:
            return None  # this version was already committed (a retry of this task)
        raise ConcurrentUpdate(
            f"{document['source']}: registry holds version {current.get('version')!r}, "
            f"expected {(previous or {}).get('version')!r}"
        ) from None
    return registry.from_item(response.get("Attributes"))
