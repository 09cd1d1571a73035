"""Ground Truth pre-annotation Lambda: builds each task's input (image, labels, model boxes).

Ground Truth invokes it once per data object with `{"version", "labelingJobArn", "dataObject"}`,
where `dataObject` is the manifest line. For bounding boxes the object-detection predictions of the
frame (`detections-ref`) become the initial boxes workers correct instead of drawing from scratch.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from cv.contract import BOUNDING_BOX, LABELS_ENV, MIN_CONFIDENCE_ENV
from shared import clients, environment
from shared.s3io import get_json, parse_s3_uri
from shared.task import logger


def initial_boxes(detections: Any, labels: list[str], min_confidence: float) -> list[dict[str, Any]]:
    """Confident detections of the task's labels, in the crowd-bounding-box `initial-value` shape."""
    items = detections.get("detections", []) if isinstance(detections, dict) else detections
    boxes = []
    for item in items or []:
        try:
            if item["label"] not in labels or float(item["confidence"]) < min_confidence:
                continue
            boxes.append(
                {
                    "label": item["label"],
                    "left": round(float(item["left"])),
                    "top": round(float(item["top"])),
                    "width": round(float(item["width"])),
                    "height": round(float(item["height"])),
                }
            )
        except (KeyError, TypeError, ValueError):
            logger.warning("skipping malformed detection", extra={"detection": item})
    return boxes


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    data_object = event.get("dataObject") or {}
    task_type = data_object.get("task-type", BOUNDING_BOX)
    labels_by_task = json.loads(environment.text(LABELS_ENV))
    if task_type not in labels_by_task:
        raise ValueError(f"manifest line has unknown task-type {task_type!r}")
    labels = labels_by_task[task_type]
    task_input: dict[str, Any] = {
        "taskObject": data_object.get("source-ref"),
        "taskType": task_type,
        "labels": labels,
        "frameId": data_object.get("frame-id"),
        "initialValue": [],
    }
    if task_type == BOUNDING_BOX and data_object.get("detections-ref"):
        try:
            bucket, key = parse_s3_uri(data_object["detections-ref"])
            detections = get_json(clients.client("s3"), bucket, key)
            task_input["initialValue"] = initial_boxes(
                detections, labels, environment.number(MIN_CONFIDENCE_ENV)
            )
        except (ClientError, ValueError) as error:
            logger.warning(
                "no pre-annotation for this frame",
                extra={"ref": data_object["detections-ref"], "error": str(error)},
            )
    if data_object.get("coverage-mask-ref"):
        task_input["coverageMaskObject"] = data_object["coverage-mask-ref"]
    return {"taskInput": task_input, "isHumanAnnotationRequired": "true"}
