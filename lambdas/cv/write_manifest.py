"""Manifest: write the Ground Truth input manifest (JSON Lines, one `source-ref` per frame)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from cv.contract import BUCKET_ENV, manifest_key
from cv.errors import SelectionNotFound
from shared import clients, environment
from shared.errors import InvalidInput
from shared.s3io import get_json, put_json_lines, s3_uri
from shared.task import logger, task_handler

OPTIONAL_REFERENCES = {"detectionsKey": "detections-ref", "coverageMaskKey": "coverage-mask-ref"}


def manifest_line(bucket: str, task_type: str, frame: dict[str, Any]) -> dict[str, Any]:
    """One manifest object: the image, the frame id and task type, and optional side references."""
    line: dict[str, Any] = {
        "source-ref": s3_uri(bucket, frame["s3Key"]),
        "frame-id": frame["frameId"],
        "task-type": task_type,
    }
    for field, attribute in OPTIONAL_REFERENCES.items():
        if frame.get(field):
            line[attribute] = s3_uri(bucket, frame[field])
    if frame.get("cameraId"):
        line["camera-id"] = frame["cameraId"]
    return line


@task_handler
def handler(event_input: dict[str, Any], context: object) -> dict[str, Any]:
    key = event_input.get("selectionKey")
    if not isinstance(key, str):
        raise InvalidInput("selectionKey is required")
    bucket = environment.text(BUCKET_ENV)
    s3 = clients.client("s3")
    try:
        selection = get_json(s3, bucket, key)
    except ClientError as error:
        raise SelectionNotFound(f"s3://{bucket}/{key}: {error.response['Error']['Code']}") from None
    lines = [manifest_line(bucket, selection["taskType"], frame) for frame in selection["frames"]]
    target = manifest_key(selection["jobName"])
    count = put_json_lines(s3, bucket, target, lines)
    logger.info("input manifest written", extra={"key": target, "objects": count})
    return {"manifestUri": s3_uri(bucket, target), "objects": count}
