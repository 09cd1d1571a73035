"""Prepare one camera: K time-shifted frames + detections -> vote -> composite, mask and report in S3.

Returns whether coverage reached the threshold; the workflow then marks the camera ready for tape
annotation or due a retry (with more frames next time) in the camera registry.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from botocore.exceptions import ClientError

from cv.compositing import CompositingError, Detection, VotingParameters, compose
from cv.contract import (
    BUCKET_ENV,
    COMPOSITES_PREFIX,
    EXTRA_FRAMES_PER_RETRY_ENV,
    MAX_FRAMES_PER_CAMERA_ENV,
    MIN_CONFIDENCE_ENV,
    MIN_COVERAGE_PERCENT_ENV,
    OBSTRUCTION_MARGIN_PX_ENV,
    REGION_SIZE_PX_ENV,
)
from cv.errors import FramesUnusable
from cv.imaging import decode_rgb, encode_png
from shared import clients, environment
from shared.errors import InvalidInput
from shared.s3io import get_bytes, get_json, put_json
from shared.task import logger, metrics, task_handler

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".ppm")
MAX_LISTED_FRAMES = 5000


def pick_time_shifted(keys: list[str], count: int) -> list[str]:
    """`count` keys spread evenly from the oldest to the newest (keys sort by capture time)."""
    ordered = sorted(keys)
    if len(ordered) <= count:
        return ordered
    if count == 1:
        return [ordered[-1]]
    step = (len(ordered) - 1) / (count - 1)
    return [ordered[round(index * step)] for index in range(count)]


def _list_frames(s3: Any, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(o["Key"] for o in page.get("Contents", []) if o["Key"].lower().endswith(IMAGE_SUFFIXES))
        if len(keys) >= MAX_LISTED_FRAMES:
            break
    return keys


def _detections_key(frame_key: str, frames_prefix: str, detections_prefix: str) -> str:
    stem = frame_key.removeprefix(frames_prefix).rsplit(".", 1)[0]
    return f"{detections_prefix}{stem}.json"


def _load(s3: Any, bucket: str, camera: dict[str, Any], keys: list[str]) -> tuple[list, list, list, list]:
    """Frames with readable detections; frames without detections are skipped (obstruction unknown)."""
    frames, detections, used, skipped = [], [], [], []
    for key in keys:
        detections_key = _detections_key(key, camera["framesPrefix"], camera["detectionsPrefix"])
        try:
            raw = get_json(s3, bucket, detections_key)
        except ClientError:
            skipped.append({"frame": key, "reason": f"no detections at {detections_key}"})
            continue
        items = raw.get("detections", []) if isinstance(raw, dict) else raw
        try:
            frame_detections = [Detection.from_json(item) for item in items]
        except CompositingError as error:
            skipped.append({"frame": key, "reason": str(error)})
            continue
        frames.append(decode_rgb(get_bytes(s3, bucket, key), key))
        detections.append(frame_detections)
        used.append(key)
    if frames:
        common = Counter(frame.shape for frame in frames).most_common(1)[0][0]
        keep = [index for index, frame in enumerate(frames) if frame.shape == common]
        skipped += [
            {"frame": used[i], "reason": f"size {frames[i].shape} differs"}
            for i in range(len(frames))
            if i not in keep
        ]
        frames, detections, used = (
            [frames[i] for i in keep],
            [detections[i] for i in keep],
            [used[i] for i in keep],
        )
    return frames, detections, used, skipped


@task_handler
def handler(event_input: dict[str, Any], context: object) -> dict[str, Any]:
    camera, run_id = event_input.get("camera"), event_input.get("runId")
    if not isinstance(camera, dict) or not camera.get("cameraId") or not isinstance(run_id, str):
        raise InvalidInput(
            "camera (with cameraId, frameCount, framesPrefix, detectionsPrefix) and runId are required"
        )
    bucket = environment.text(BUCKET_ENV)
    threshold = environment.number(MIN_COVERAGE_PERCENT_ENV)
    next_count = min(
        int(camera["frameCount"]) + environment.integer(EXTRA_FRAMES_PER_RETRY_ENV),
        environment.integer(MAX_FRAMES_PER_CAMERA_ENV),
    )
    params = VotingParameters(
        min_confidence=environment.number(MIN_CONFIDENCE_ENV),
        margin_px=environment.integer(OBSTRUCTION_MARGIN_PX_ENV),
        region_size_px=environment.integer(REGION_SIZE_PX_ENV),
    )
    s3 = clients.client("s3")
    chosen = pick_time_shifted(_list_frames(s3, bucket, camera["framesPrefix"]), int(camera["frameCount"]))
    frames, detections, used, skipped = _load(s3, bucket, camera, chosen)
    result: dict[str, Any] = {
        "cameraId": camera["cameraId"],
        "framesUsed": len(used),
        "nextFrameCount": next_count,
        "minCoveragePercent": threshold,
    }
    if not frames:
        logger.warning("no usable frames", extra={"cameraId": camera["cameraId"], "skipped": skipped})
        return {
            **result,
            "ready": False,
            "coveragePercent": 0.0,
            "reason": "no usable frames with detections",
        }

    started = time.perf_counter()
    try:
        composite = compose(frames, detections, params)
    except CompositingError as error:
        raise FramesUnusable(str(error)) from None
    elapsed = time.perf_counter() - started
    coverage = round(composite.coverage_percent, 3)
    ready = coverage >= threshold
    prefix = f"{COMPOSITES_PREFIX}{camera['cameraId']}/{run_id}/"
    keys = {
        "compositeKey": f"{prefix}composite.png",
        "maskKey": f"{prefix}coverage-mask.png",
        "reportKey": f"{prefix}report.json",
    }
    s3.put_object(
        Bucket=bucket, Key=keys["compositeKey"], Body=encode_png(composite.image), ContentType="image/png"
    )
    s3.put_object(
        Bucket=bucket, Key=keys["maskKey"], Body=encode_png(composite.mask_image()), ContentType="image/png"
    )
    height, width = composite.mask.shape
    report = {
        **result,
        **keys,
        "runId": run_id,
        "ready": ready,
        "coveragePercent": coverage,
        "width": width,
        "height": height,
        "regionSizePx": params.region_size_px,
        "minConfidence": params.min_confidence,
        "frames": used,
        "skippedFrames": skipped,
        "obstructedRegionsPerFrame": [int(grid.sum()) for grid in composite.obstructed],
        "regionsNeverClear": int((composite.clear_votes == 0).sum()),
        "regions": int(composite.clear_votes.size),
        "stitchSeconds": round(elapsed, 3),
    }
    put_json(s3, bucket, keys["reportKey"], report)
    metrics.add_metric(name="CoveragePercent", unit="Percent", value=coverage)
    logger.info(
        "composite written", extra={"cameraId": camera["cameraId"], "coverage": coverage, "ready": ready}
    )
    return {**result, **keys, "ready": ready, "coveragePercent": coverage, "width": width, "height": height}
