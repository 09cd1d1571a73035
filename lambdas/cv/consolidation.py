"""Ground Truth annotation-consolidation Lambda: merges every worker's answer for each object.

Ground Truth sends `{"labelAttributeName", "payload": {"s3Uri"}, ...}`; the payload lists each data
object with all workers' annotations (`annotationData.content` is the task form's JSON). The answer
is one consolidated annotation per object, stored under the label attribute of the output manifest.
"""

from __future__ import annotations

import json
from typing import Any

from cv.annotations import consolidate_boxes, consolidate_polygons
from shared import clients
from shared.s3io import get_json, parse_s3_uri
from shared.task import logger

BOX_FIELD = "boundingBox"
POLYGON_FIELD = "floorTape"


def consolidate_object(dataset_object: dict[str, Any]) -> dict[str, Any]:
    """One data object's consolidated annotation: boxes or polygons, worker count and agreement."""
    forms = []
    for annotation in dataset_object.get("annotations", []):
        content = annotation.get("annotationData", {}).get("content")
        try:
            forms.append(json.loads(content) if isinstance(content, str) else dict(content or {}))
        except (TypeError, ValueError):
            # Names the data object, not the worker: a worker id identifies a person.
            logger.warning(
                "unreadable worker answer", extra={"datasetObjectId": dataset_object.get("datasetObjectId")}
            )
    size = _image_size(forms)
    if any(POLYGON_FIELD in form for form in forms):
        workers = [form.get(POLYGON_FIELD, {}).get("polygons", []) for form in forms]
        result = consolidate_polygons(workers, size["width"], size["height"])
    else:
        workers = [form.get(BOX_FIELD, {}).get("boundingBoxes", []) for form in forms]
        result = consolidate_boxes(workers)
    return {**result, "imageSize": size}


def _image_size(forms: list[dict[str, Any]]) -> dict[str, int]:
    for form in forms:
        for field in (BOX_FIELD, POLYGON_FIELD):
            properties = form.get(field, {}).get("inputImageProperties")
            if properties:
                return {"width": int(properties["width"]), "height": int(properties["height"])}
    return {"width": 0, "height": 0}


def handler(event: dict[str, Any], context: object) -> list[dict[str, Any]]:
    label_attribute = event["labelAttributeName"]
    bucket, key = parse_s3_uri(event["payload"]["s3Uri"])
    payload = get_json(clients.client("s3"), bucket, key)
    results = [
        {
            "datasetObjectId": dataset_object["datasetObjectId"],
            "consolidatedAnnotation": {"content": {label_attribute: consolidate_object(dataset_object)}},
        }
        for dataset_object in payload
    ]
    logger.info("consolidated", extra={"objects": len(results), "job": event.get("labelingJobArn")})
    return results
