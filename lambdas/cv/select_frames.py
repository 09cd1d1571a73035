"""Select: claim up to the per-job cap of frames awaiting labels of one task type for this run."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from cv.contract import (
    AWAITING_INDEX_ENV,
    AWAITING_TASK,
    BUCKET_ENV,
    FRAME_ID,
    FRAMES_TABLE_ENV,
    JOB_INDEX_ENV,
    JOB_NAME_PREFIX_ENV,
    LABELING,
    LABELING_JOB,
    MAX_FRAMES_ENV,
    TASK_TYPES,
    selection_key,
)
from cv.errors import UnknownTaskType
from cv.frames import guarded_update, job_frames, query_items
from cv.jobs import job_name
from shared import clients, environment
from shared.errors import InvalidInput
from shared.s3io import put_json
from shared.task import logger, metrics, task_handler

FRAME_FIELDS = ("frameId", "s3Key", "detectionsKey", "coverageMaskKey", "cameraId")


@task_handler
def handler(event_input: dict[str, Any], context: object) -> dict[str, Any]:
    request = event_input.get("request", {"taskType": event_input.get("taskType")})
    if not isinstance(request, dict) or set(request) != {"taskType"}:
        fields = sorted(map(str, request)) if isinstance(request, dict) else type(request).__name__
        raise InvalidInput(f"the run's input must be exactly {{'taskType': ...}}, got {fields}")
    task_type = event_input.get("taskType")
    if task_type not in TASK_TYPES:
        raise UnknownTaskType(f"taskType must be one of {list(TASK_TYPES)}, got {task_type!r}")
    execution_id, started_at = event_input.get("executionId"), event_input.get("startedAt")
    if not isinstance(execution_id, str) or not isinstance(started_at, str):
        raise InvalidInput("executionId and startedAt are required strings")
    cap = environment.integer(MAX_FRAMES_ENV)
    name = job_name(environment.text(JOB_NAME_PREFIX_ENV), task_type, execution_id, started_at)
    table = clients.resource("dynamodb").Table(environment.text(FRAMES_TABLE_ENV))

    frames = _already_claimed(table, name)
    for item in _awaiting(table, task_type):
        if len(frames) >= cap:
            break
        if item["frameId"] in frames:
            continue
        if "s3Key" not in item:
            logger.warning("frame without s3Key left awaiting", extra={"frameId": item["frameId"]})
            continue
        if _claim(table, item["frameId"], task_type, name):
            frames[item["frameId"]] = item
    metrics.add_metric(name="FramesSelected", unit="Count", value=len(frames))
    if not frames:
        logger.info("nothing to label", extra={"taskType": task_type})
        return {"count": 0, "jobName": name, "taskType": task_type}

    selection = {
        "jobName": name,
        "taskType": task_type,
        "frames": [
            {field: item[field] for field in FRAME_FIELDS if field in item} for item in frames.values()
        ],
    }
    key = selection_key(name)
    put_json(clients.client("s3"), environment.text(BUCKET_ENV), key, selection)
    logger.info("frames claimed", extra={"jobName": name, "count": len(frames)})
    return {"count": len(frames), "jobName": name, "taskType": task_type, "selectionKey": key}


def _already_claimed(table: Any, name: str) -> dict[str, dict[str, Any]]:
    """Frames an earlier attempt of this same run claimed (retry after a timeout)."""
    return {
        item["frameId"]: item
        for item in job_frames(table, environment.text(JOB_INDEX_ENV), name)
        if item.get("labelStatus") == LABELING and "s3Key" in item
    }


def _awaiting(table: Any, task_type: str) -> Any:
    """Frames awaiting this task type, oldest first, page by page."""
    yield from query_items(
        table,
        IndexName=environment.text(AWAITING_INDEX_ENV),
        KeyConditionExpression=Key(AWAITING_TASK).eq(task_type),
        ScanIndexForward=True,
    )


def _claim(table: Any, frame_id: str, task_type: str, name: str) -> bool:
    """Move one frame from awaiting to labeling; False when another run claimed it first."""
    return guarded_update(
        table,
        Key={FRAME_ID: frame_id},
        UpdateExpression=f"SET labelStatus = :labeling, {LABELING_JOB} = :job, claimedAt = :now "
        f"REMOVE {AWAITING_TASK}",
        ConditionExpression=f"{AWAITING_TASK} = :task",
        ExpressionAttributeValues={
            ":labeling": LABELING,
            ":job": name,
            ":now": datetime.now(UTC).isoformat(),
            ":task": task_type,
        },
    )
