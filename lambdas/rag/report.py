"""Report: aggregate the run's per-document lines into counts, write the report, shape the event.

Lines come from `runs/<runId>/documents/` (written by the RecordOutcome state of each document).
A document without one is still reported, as failed, from the Distributed Map's ResultWriter
manifest: a batch's output names each document whose outcome could not be recorded, with the
error (`OutcomeNotRecorded`), and every document of a child execution listed FAILED or PENDING
(e.g. an Express timeout) gets that execution's error. Those documents are counted in the
`DocumentsFailed` metric here, since RecordFailure never counted them.

The run's outcome is `failed` when the map run failed, or when documents failed and none was
ingested or unchanged (`AllDocumentsFailed`): the workflow then fails after announcing it.
"""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from rag import artifacts, contract, documents, layout, sources
from rag.errors import InvalidInput
from rag.record_failure import error_message
from shared import clients
from shared.task import logger, metrics, task_handler

READERS = 16
STATUSES = ("ingested", "unchanged", "failed", "ignored", "removed")
# The run's error when documents failed and none was ingested or unchanged (the run then fails).
ALL_DOCUMENTS_FAILED = contract.ALL_DOCUMENTS_FAILED


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    plan = event_input.get("plan")
    if not isinstance(plan, dict) or not plan.get("runId"):
        raise InvalidInput("expected the run state with 'plan' (and 'map' or 'mapError')")
    run_id = plan["runId"]
    store = artifacts.Store.from_environment(clients.client("s3", clients.STANDARD))
    keys = list(store.keys(layout.run_records_prefix(run_id)))
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        lines = list(pool.map(store.get_json, keys))
    recorded = {line["documentId"] for line in lines}
    map_output = event_input.get("map") or {}
    unrecorded = 0
    for line in _unrecorded_failures(store, map_output.get("ResultWriterDetails")):
        if line["documentId"] not in recorded:
            lines.append(line)
            recorded.add(line["documentId"])
            unrecorded += 1
    if unrecorded:
        # RecordFailure never counted these: the failed-documents alarm must still see them.
        metrics.add_metric(name="DocumentsFailed", unit=MetricUnit.Count, value=unrecorded)
    lines.sort(key=lambda line: line["source"])

    counts = summarize(lines)
    error = run_error(counts, event_input.get("mapError"))
    outcome = "failed" if error else "succeeded"
    summary_key, documents_key = layout.report_keys(run_id)
    store.put_jsonl(documents_key, lines)
    summary = {
        "runId": run_id,
        "outcome": outcome,
        "counts": counts,
        "request": {key: plan[key] for key in ("listing", "bucket", "prefix") if key in plan},
        "documentsKey": documents_key,
    }
    if error:
        summary["error"] = error
    store.put_json(summary_key, summary)
    logger.info("run report", extra={"outcome": outcome, **counts})
    report = {"bucket": store.bucket, "summaryKey": summary_key, "documentsKey": documents_key}
    event = {"runId": run_id, "outcome": outcome, "counts": counts, "report": report}
    result = {"outcome": outcome, "counts": counts, **report, "event": event}
    if error:
        event["error"] = result["error"] = error["error"]
    return result


def run_error(counts: dict[str, int], map_error: dict[str, Any] | None) -> dict[str, Any] | None:
    """Why the run failed (the map run's error, or no document made it), or None if it succeeded.

    A run with no document at all (or only folder markers) succeeds: there was nothing to do.
    """
    if map_error:
        return {"error": map_error.get("Error"), "message": error_message(map_error.get("Cause"))}
    if counts["failed"] and not (counts["ingested"] or counts["unchanged"] or counts["removed"]):
        return {
            "error": ALL_DOCUMENTS_FAILED,
            "message": f"{counts['failed']} of {counts['documents']} documents failed and none was "
            "ingested, unchanged or removed",
        }
    return None


def summarize(lines: list[dict[str, Any]]) -> dict[str, int]:
    statuses = Counter(line["status"] for line in lines)
    ingested = [line for line in lines if line["status"] == "ingested"]
    hashes = Counter(line["contentHash"] for line in lines if line.get("contentHash"))
    return {
        "documents": len(lines),
        **{status: statuses.get(status, 0) for status in STATUSES},
        "chunks": sum(int(line.get("chunks", 0)) for line in ingested),
        "vectors": sum(int(line.get("vectors", 0)) for line in ingested),
        "deletedVectors": sum(int(line.get("deletedVectors", 0)) for line in ingested),
        "duplicates": sum(count for count in hashes.values() if count > 1),
    }


def _unrecorded_failures(store: artifacts.Store, details: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Failed lines for the documents the ResultWriter's child executions say were not recorded."""
    if not details or not details.get("Key"):
        return []
    s3 = store.client
    manifest = json.loads(s3.get_object(Bucket=details["Bucket"], Key=details["Key"])["Body"].read())
    lines = []
    for status in ("SUCCEEDED", "FAILED", "PENDING"):
        for result_file in manifest.get("ResultFiles", {}).get(status, []):
            body = s3.get_object(Bucket=details["Bucket"], Key=result_file["Key"])["Body"].read()
            for execution in json.loads(body):
                if status == "SUCCEEDED":
                    lines += _not_recorded(store, execution)
                else:
                    lines += _failed_batch(store, execution, status)
    return lines


def _not_recorded(store: artifacts.Store, execution: dict[str, Any]) -> list[dict[str, Any]]:
    """A succeeded batch's documents whose outcome could not be recorded (`OutcomeNotRecorded`)."""
    outputs = json.loads(execution.get("Output") or "[]")
    return [
        _failure_line(store, output.get("item") or {}, output.get("error"), output.get("cause"), execution)
        for output in (outputs if isinstance(outputs, list) else [])
        if isinstance(output, dict) and output.get("error")
    ]


def _failed_batch(store: artifacts.Store, execution: dict[str, Any], status: str) -> list[dict[str, Any]]:
    """Every document of a child execution that failed, timed out or never ran, with its error."""
    child_input = json.loads(execution.get("Input") or "{}")
    # {"Items": [...]} from a batched map; {"item": ...} from a run started before batching.
    items = child_input.get("Items") if "Items" in child_input else [child_input.get("item") or {}]
    error = execution.get("Error") or ("States.Pending" if status == "PENDING" else "States.Failed")
    return [_failure_line(store, item, error, execution.get("Cause"), execution) for item in items]


def _failure_line(
    store: artifacts.Store, item: dict[str, Any], error: Any, cause: Any, execution: dict[str, Any]
) -> dict[str, Any]:
    try:
        source = sources.resolve(store, item).uri
    except Exception:  # an unreadable request item is still a failed document
        source = documents.s3_source(str(item.get("bucket", "")), str(item.get("key", "")))
    return documents.line(
        source,
        "failed",
        error=str(error),
        message=error_message(cause),
        execution=execution.get("ExecutionArn"),
    )
