"""What the CV-safety constructs and handlers agree on: handlers, environment, bucket layout, table keys.

Import-free by rule (tests/quality/test_contracts.py): the stacks load this very file by path
(`stacks.common.contracts.handler_contract("cv")`), the handlers import it as `cv.contract`.
"""

from __future__ import annotations

from typing import Final

# ------------------------------------------------------------------------- handler modules (lambdas/cv/)
# Ground Truth labeling
SELECT_FRAMES_HANDLER: Final = "select_frames.handler"
WRITE_MANIFEST_HANDLER: Final = "write_manifest.handler"
PRE_ANNOTATION_HANDLER: Final = "pre_annotation.handler"  # called by Ground Truth, not the state machine
CONSOLIDATION_HANDLER: Final = "consolidation.handler"  # called by Ground Truth, not the state machine
POST_PROCESS_HANDLER: Final = "post_process.handler"
RELEASE_FRAMES_HANDLER: Final = "release_frames.handler"
# Floor-tape preparation
FIND_CAMERAS_HANDLER: Final = "find_cameras.handler"
STITCH_COMPOSITE_HANDLER: Final = "stitch_composite.handler"
APPEND_MANIFEST_HANDLER: Final = "append_manifest.handler"

# --------------------------------------------------------------------------------- environment variables
BUCKET_ENV: Final = "BUCKET"  # the data bucket (layout below)
FRAMES_TABLE_ENV: Final = "FRAMES_TABLE"
CAMERAS_TABLE_ENV: Final = "CAMERAS_TABLE"
AWAITING_INDEX_ENV: Final = "AWAITING_INDEX"  # holds AWAITING_INDEX
JOB_INDEX_ENV: Final = "JOB_INDEX"  # holds JOB_INDEX
PENDING_INDEX_ENV: Final = "PENDING_INDEX"  # holds PENDING_INDEX
JOB_NAME_PREFIX_ENV: Final = "JOB_NAME_PREFIX"  # labeling job names start `<prefix>-`
MAX_FRAMES_ENV: Final = "MAX_FRAMES"  # frames claimed per labeling job
LABELS_ENV: Final = "LABELS"  # JSON: {task type: [label, ...]}
MIN_CONFIDENCE_ENV: Final = "MIN_CONFIDENCE"  # detections below it are ignored (pre-annotation, voting)
MAX_CAMERAS_ENV: Final = "MAX_CAMERAS"  # cameras prepared per run
FRAMES_PER_CAMERA_ENV: Final = "FRAMES_PER_CAMERA"  # frames voted over on a camera's first attempt
MAX_FRAMES_PER_CAMERA_ENV: Final = "MAX_FRAMES_PER_CAMERA"
EXTRA_FRAMES_PER_RETRY_ENV: Final = "EXTRA_FRAMES_PER_RETRY"
OBSTRUCTION_MARGIN_PX_ENV: Final = "OBSTRUCTION_MARGIN_PX"
REGION_SIZE_PX_ENV: Final = "REGION_SIZE_PX"
MIN_COVERAGE_PERCENT_ENV: Final = "MIN_COVERAGE_PERCENT"

# ------------------------------------------------------------------------------------------- task types
BOUNDING_BOX: Final = "bounding_box"
FLOOR_TAPE: Final = "floor_tape"
TASK_TYPES: Final = (BOUNDING_BOX, FLOOR_TAPE)
TASK_SHORT_NAMES: Final = {BOUNDING_BOX: "bbox", FLOOR_TAPE: "tape"}

# ------------------------------------------------------------------------------------------ frames table
# Partition key `frameId`. `awaitingTask` exists only while a frame waits for labels: it is the partition
# key of the sparse AwaitingLabels index, so claiming a frame removes it. `labelingJob` keys LabelingJob.
FRAME_ID: Final = "frameId"
AWAITING_TASK: Final = "awaitingTask"
CAPTURED_AT: Final = "capturedAt"
LABELING_JOB: Final = "labelingJob"
AWAITING_INDEX: Final = "AwaitingLabels"  # AWAITING_TASK, sorted by CAPTURED_AT
JOB_INDEX: Final = "LabelingJob"  # LABELING_JOB
# labelStatus values
AWAITING: Final = "AWAITING_LABELS"
LABELING: Final = "LABELING"
LABELED: Final = "LABELED"

# --------------------------------------------------------------------------------------- camera registry
# Partition key `cameraId`. `pendingPreparation` exists only while a camera still needs a floor composite:
# it keys the sparse PendingPreparation index. The workflow itself sets `preparationStatus` (native
# DynamoDB updates) and removes `pendingPreparation` once the composite is ready.
CAMERA_ID: Final = "cameraId"
PENDING_PREPARATION: Final = "pendingPreparation"
ONBOARDED_AT: Final = "onboardedAt"
PENDING_INDEX: Final = "PendingPreparation"  # PENDING_PREPARATION, sorted by ONBOARDED_AT
PENDING: Final = "PENDING"  # the only value of PENDING_PREPARATION
PREPARATION_STATUS: Final = "preparationStatus"
READY_FOR_TAPE_ANNOTATION: Final = "READY_FOR_TAPE_ANNOTATION"
RETRY: Final = "RETRY"

# ------------------------------------------------------------------------------------------ bucket layout
FRAMES_PREFIX: Final = "frames/"  # frames/<camera>/<time>.jpg
DETECTIONS_PREFIX: Final = "detections/"  # detections/<camera>/<time>.json
LABELING_PREFIX: Final = "labeling/"  # labeling/<job>/ (selection, input manifest)
LABELING_OUTPUT_PREFIX: Final = f"{LABELING_PREFIX}output/"  # Ground Truth's output
CURATED_PREFIX: Final = "curated/"  # curated/<task>/<job>/ (training sets)
COMPOSITES_PREFIX: Final = "composites/"  # composites/<camera>/<run>/
MANIFESTS_PREFIX: Final = "manifests/"  # manifests/floor_tape/<run>.manifest


def selection_key(job_name: str) -> str:
    return f"{LABELING_PREFIX}{job_name}/selection.json"


def manifest_key(job_name: str) -> str:
    return f"{LABELING_PREFIX}{job_name}/input.manifest"
