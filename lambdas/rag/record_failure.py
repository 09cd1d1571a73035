"""RecordFailure: roll back whatever the failed version wrote, record the failure, return its line.

Receives the whole child state (how far the document got, plus `error`). The new version's
vectors are deleted unless the registry already points at that version; the previous version's
vectors and registry fields are left as they were, so search keeps serving the last good version.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from rag import artifacts, documents, registry, sources, vector_index
from rag.errors import PERMANENT_ERRORS, InvalidInput
from shared import clients
from shared.errors import cause_message
from shared.task import logger, metrics, task_handler

MESSAGE_LIMIT = 1000


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    error = event_input.get("error")
    if not isinstance(error, dict):
        raise InvalidInput("expected the child state with an 'error' object")
    name = str(error.get("Error", "States.Runtime"))
    message = error_message(error.get("Cause"))
    fetched = (event_input.get("fetch") or {}).get("document")
    source = fetched["source"] if fetched else _source_of(event_input.get("item") or {})
    dynamodb = clients.client("dynamodb", clients.STANDARD)
    entry = registry.get(dynamodb, source) or {}
    version = fetched["version"] if fetched else None

    removed = 0
    count = (event_input.get("chunk") or {}).get("count")
    if fetched and count and entry.get("version") != version:
        keys = documents.chunk_keys(fetched["documentId"], version, int(count))
        removed = vector_index.delete(clients.client("s3vectors", clients.ADAPTIVE), keys)
    if fetched and version:
        registry.clear_pending(dynamodb, source, [version])

    permanent = name in PERMANENT_ERRORS and version is not None
    values: dict[str, Any] = {
        ":documentId": documents.document_id(source),
        ":failed": "failed",
        ":error": name,
        ":message": message,
        ":at": registry.now(),
        ":runId": str(event_input.get("runId", "")),
        ":permanent": permanent,
    }
    expression = (
        "SET documentId = :documentId, #status = :failed, lastError = :error, "
        "lastMessage = :message, failedAt = :at, lastRunId = :runId, failedPermanently = :permanent"
    )
    if version is not None:
        expression += ", failedVersion = :version"
        values[":version"] = version
    if fetched and entry.get("version") == version and fetched.get("previous"):
        # Committed, but the previous version could not be deleted: the next commit retries it.
        expression += ", stale = :stale"
        values[":stale"] = fetched["previous"]
    dynamodb.update_item(
        TableName=registry.table(),
        Key=registry.key(source),
        UpdateExpression=expression,
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues=registry.to_item(values),
    )
    metrics.add_metric(name="DocumentsFailed", unit=MetricUnit.Count, value=1)
    logger.warning("document failed", extra={"source": source, "error": name, "removed": removed})
    return documents.line(
        source,
        "failed",
        version=version,
        contentHash=(fetched or {}).get("contentHash"),
        error=name,
        message=message,
        indexedVersion=entry.get("version"),
        removedVectors=removed or None,
    )


def error_message(cause: Any) -> str:
    """The human part of a Catch `Cause`, as long as a report line keeps."""
    return cause_message(cause)[:MESSAGE_LIMIT]


def _source_of(item: dict[str, Any]) -> str:
    """The source a map item stands for, even when fetching it is what failed."""
    try:
        return sources.resolve(
            artifacts.Store.from_environment(clients.client("s3", clients.STANDARD)), item
        ).uri
    except Exception:  # the failure being recorded may be exactly this
        return documents.s3_source(str(item.get("bucket", "")), str(item.get("key", "")))
