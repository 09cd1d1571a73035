"""Post-process: output manifest -> curated COCO dataset + label statistics; frames marked labeled.

Frames Ground Truth could not label (a `failure-reason` in the metadata) or that are missing from the
output manifest (e.g. a stopping condition) go back to awaiting labels for the next run.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from cv.contract import BUCKET_ENV, CURATED_PREFIX, FRAMES_TABLE_ENV
from cv.dataset import DatasetBuilder, LabeledFrame
from cv.errors import OutputManifestInvalid, SelectionNotFound
from cv.frames import mark_labeled, return_to_awaiting
from shared import clients, environment
from shared.errors import InvalidInput
from shared.s3io import get_bytes, get_json, iter_json_lines, parse_s3_uri, put_json, s3_uri
from shared.task import logger, metrics, task_handler


@task_handler
def handler(event_input: dict[str, Any], context: object) -> dict[str, Any]:
    for field in ("selectionKey", "outputManifestUri", "labelAttributeName", "labels"):
        if not event_input.get(field):
            raise InvalidInput(f"{field} is required")
    bucket = environment.text(BUCKET_ENV)
    s3 = clients.client("s3")
    selection = _read_selection(s3, bucket, event_input["selectionKey"])
    job, task_type = selection["jobName"], selection["taskType"]
    claimed = {frame["frameId"]: frame for frame in selection["frames"]}
    attribute = event_input["labelAttributeName"]

    builder = DatasetBuilder(task_type=task_type, labels=list(event_input["labels"]))
    labeled: dict[str, int] = {}
    failed: dict[str, str] = {}
    for line in _output_lines(s3, event_input["outputManifestUri"]):
        frame_id = line.get("frame-id")
        if frame_id not in claimed or frame_id in labeled or frame_id in failed:
            continue
        metadata = line.get(f"{attribute}-metadata") or {}
        annotation = line.get(attribute)
        if metadata.get("failure-reason") or not isinstance(annotation, dict):
            failed[frame_id] = str(metadata.get("failure-reason") or "no annotation in the output manifest")
            continue
        labeled[frame_id] = builder.add(LabeledFrame(frame_id, line.get("source-ref", ""), annotation))
    missing = [frame_id for frame_id in claimed if frame_id not in labeled and frame_id not in failed]

    prefix = f"{CURATED_PREFIX}{task_type}/{job}/"
    dataset_key, statistics_key = f"{prefix}annotations.coco.json", f"{prefix}statistics.json"
    statistics = {"jobName": job, "taskType": task_type, **builder.statistics(len(failed), len(missing))}
    put_json(s3, bucket, dataset_key, builder.coco())
    put_json(s3, bucket, statistics_key, statistics)

    table = clients.resource("dynamodb").Table(environment.text(FRAMES_TABLE_ENV))
    for frame_id, objects in labeled.items():
        mark_labeled(table, frame_id, job, objects, dataset_key)
    for frame_id, reason in failed.items():
        return_to_awaiting(table, frame_id, task_type, job, reason)
    for frame_id in missing:
        return_to_awaiting(table, frame_id, task_type, job, "not in the labeling job's output")
    metrics.add_metric(name="FramesLabeled", unit="Count", value=len(labeled))
    metrics.add_metric(name="FramesReturned", unit="Count", value=len(failed) + len(missing))
    logger.info(
        "labels curated",
        extra={"jobName": job, "labeled": len(labeled), "returned": len(failed) + len(missing)},
    )
    return {
        "datasetUri": s3_uri(bucket, dataset_key),
        "statisticsUri": s3_uri(bucket, statistics_key),
        "statistics": statistics,
    }


def _read_selection(s3: Any, bucket: str, key: str) -> dict[str, Any]:
    try:
        return get_json(s3, bucket, key)
    except ClientError as error:
        raise SelectionNotFound(f"s3://{bucket}/{key}: {error.response['Error']['Code']}") from None


def _output_lines(s3: Any, uri: str) -> list[dict[str, Any]]:
    try:
        bucket, key = parse_s3_uri(uri)
        return list(iter_json_lines(get_bytes(s3, bucket, key)))
    except ClientError as error:
        raise OutputManifestInvalid(f"{uri}: {error.response['Error']['Code']}") from None
    except ValueError as error:
        raise OutputManifestInvalid(f"{uri}: {error}") from None
