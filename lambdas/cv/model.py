"""Shared vocabulary of the CV-safety tables and bucket: statuses, task types and key layout."""

from __future__ import annotations

from typing import Final

BOUNDING_BOX: Final = "bounding_box"
FLOOR_TAPE: Final = "floor_tape"
TASK_TYPES: Final = (BOUNDING_BOX, FLOOR_TAPE)
TASK_SHORT_NAMES: Final = {BOUNDING_BOX: "bbox", FLOOR_TAPE: "tape"}

# Frames table (partition key `frameId`). `awaitingTask` exists only while a frame waits for labels:
# it is the partition key of the sparse AwaitingLabels index, so claiming a frame removes it.
AWAITING: Final = "AWAITING_LABELS"
LABELING: Final = "LABELING"
LABELED: Final = "LABELED"

# Camera registry (partition key `cameraId`). `pendingPreparation` exists only while a camera still
# needs a floor composite: it keys the sparse PendingPreparation index. The workflow itself sets
# `preparationStatus` to READY_FOR_TAPE_ANNOTATION or RETRY (native DynamoDB updates).
PENDING: Final = "PENDING"

# Bucket layout.
FRAMES_PREFIX: Final = "frames/"
DETECTIONS_PREFIX: Final = "detections/"
LABELING_PREFIX: Final = "labeling/"
CURATED_PREFIX: Final = "curated/"
COMPOSITES_PREFIX: Final = "composites/"
MANIFESTS_PREFIX: Final = "manifests/"


def selection_key(job_name: str) -> str:
    return f"{LABELING_PREFIX}{job_name}/selection.json"


def manifest_key(job_name: str) -> str:
    return f"{LABELING_PREFIX}{job_name}/input.manifest"
