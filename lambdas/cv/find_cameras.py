"""Find newly onboarded cameras (and those due a retry) that still need a floor composite."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key

from cv.contract import (
    CAMERA_ID,
    CAMERAS_TABLE_ENV,
    DETECTIONS_PREFIX,
    FRAMES_PER_CAMERA_ENV,
    FRAMES_PREFIX,
    MAX_CAMERAS_ENV,
    MAX_FRAMES_PER_CAMERA_ENV,
    PENDING,
    PENDING_INDEX_ENV,
    PENDING_PREPARATION,
)
from shared import clients, environment
from shared.errors import InvalidInput
from shared.task import logger, metrics, task_handler

PREVIEW_CHARS = 200


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "..."


def camera_work_item(item: dict[str, Any], default_frames: int, max_frames: int) -> dict[str, Any]:
    """The small description of one camera the Map iterates over."""
    camera_id = str(item[CAMERA_ID])
    frames = int(item.get("frameCount") or default_frames)
    return {
        "cameraId": camera_id,
        "frameCount": max(2, min(frames, max_frames)),
        "attempts": int(item.get("attempts") or 0),
        "framesPrefix": str(item.get("framesPrefix") or f"{FRAMES_PREFIX}{camera_id}/"),
        "detectionsPrefix": str(item.get("detectionsPrefix") or f"{DETECTIONS_PREFIX}{camera_id}/"),
    }


@task_handler
def handler(event_input: dict[str, Any], context: object) -> dict[str, Any]:
    request = event_input.get("request", {})
    if request != {}:
        raise InvalidInput(f"the preparation run takes no input (send {{}}), got {_preview(request)}")
    cap = environment.integer(MAX_CAMERAS_ENV)
    table = clients.resource("dynamodb").Table(environment.text(CAMERAS_TABLE_ENV))
    kwargs: dict[str, Any] = {
        "IndexName": environment.text(PENDING_INDEX_ENV),
        "KeyConditionExpression": Key(PENDING_PREPARATION).eq(PENDING),
        "ScanIndexForward": True,
    }
    items: list[dict[str, Any]] = []
    while len(items) < cap:
        page = table.query(**kwargs, Limit=cap - len(items))
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    cameras = [
        camera_work_item(
            item, environment.integer(FRAMES_PER_CAMERA_ENV), environment.integer(MAX_FRAMES_PER_CAMERA_ENV)
        )
        for item in items[:cap]
    ]
    metrics.add_metric(name="CamerasPending", unit="Count", value=len(cameras))
    logger.info("cameras to prepare", extra={"count": len(cameras)})
    return {"count": len(cameras), "cameras": cameras}
