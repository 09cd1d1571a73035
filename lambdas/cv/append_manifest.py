"""Append a run's ready composites to a floor-tape manifest and queue them for polygon labeling.

Each composite becomes a frame awaiting `floor_tape` labels in the frames table, which is what the
Ground Truth labeling workflow selects from; the run's JSON Lines manifest is kept beside them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from cv.contract import (
    AWAITING,
    AWAITING_TASK,
    BUCKET_ENV,
    CAPTURED_AT,
    FLOOR_TAPE,
    FRAME_ID,
    FRAMES_TABLE_ENV,
    MANIFESTS_PREFIX,
)
from cv.write_manifest import manifest_line
from shared import clients, environment
from shared.errors import InvalidInput
from shared.s3io import put_json_lines, s3_uri
from shared.task import logger, metrics, task_handler


def composite_frame(result: dict[str, Any], run_id: str) -> dict[str, Any]:
    """The frames-table item for one ready composite."""
    return {
        FRAME_ID: f"composite/{result['cameraId']}/{run_id}",
        "s3Key": result["compositeKey"],
        "coverageMaskKey": result["maskKey"],
        "cameraId": result["cameraId"],
        "coveragePercent": str(result.get("coveragePercent")),
        "labelStatus": AWAITING,
        AWAITING_TASK: FLOOR_TAPE,
        CAPTURED_AT: datetime.now(UTC).isoformat(),
    }


@task_handler
def handler(event_input: dict[str, Any], context: object) -> dict[str, Any]:
    run_id, results = event_input.get("runId"), event_input.get("results")
    if not isinstance(run_id, str) or not isinstance(results, list):
        raise InvalidInput("runId and results (the Map output) are required")
    items = [r for r in results if isinstance(r, dict)]
    ready = [r for r in items if r.get("ready") and r.get("compositeKey")]
    errors = [r for r in items if r.get("error")]
    summary = {
        "cameras": len(results),
        "ready": len(ready),
        "retry": sum(1 for r in items if r.get("ready") is False and not r.get("error")),
        "errors": len(errors),
    }
    if not ready:
        logger.info("no composite ready in this run", extra=summary)
        return {**summary, "manifestUri": None}

    bucket = environment.text(BUCKET_ENV)
    frames = [composite_frame(result, run_id) for result in ready]
    table = clients.resource("dynamodb").Table(environment.text(FRAMES_TABLE_ENV))
    for frame in frames:
        try:
            table.put_item(Item=frame, ConditionExpression=f"attribute_not_exists({FRAME_ID})")
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
    key = f"{MANIFESTS_PREFIX}{FLOOR_TAPE}/{run_id}.manifest"
    lines = [manifest_line(bucket, FLOOR_TAPE, frame) for frame in frames]
    for line, result in zip(lines, ready, strict=True):
        line["coverage-percent"] = result.get("coveragePercent")
    put_json_lines(clients.client("s3"), bucket, key, lines)
    metrics.add_metric(name="CompositesQueued", unit="Count", value=len(frames))
    logger.info("composites queued for floor-tape labeling", extra={**summary, "manifest": key})
    return {**summary, "manifestUri": s3_uri(bucket, key)}
