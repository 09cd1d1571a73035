"""The CV-safety task functions, each created here through the common factory with its own environment.

What a function reads (environment variable names, table indexes) is named by `lambdas/cv/contract.py`;
`stacks/cv/construct.py` grants each exactly the items and bucket prefixes it touches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from constructs import Construct

from stacks.common.contracts import handler_contract
from stacks.common.functions import TaskFunctionFactory
from stacks.common.platform import Platform
from stacks.common.task_function import PythonTaskFunction
from stacks.cv.data import CvSafetyData
from stacks.cv.settings import GroundTruthSettings, TapePreparationSettings

PACKAGE = "cv"
CONTRACT = handler_contract(PACKAGE)
LABELING_SERVICE = "cv-labeling"
PREPARATION_SERVICE = "cv-tape-preparation"


@dataclass(frozen=True)
class LabelingFunctions:
    """The Ground Truth labeling workflow's functions; Ground Truth itself calls the two hooks."""

    select: PythonTaskFunction
    manifest: PythonTaskFunction
    pre_annotation: PythonTaskFunction
    consolidation: PythonTaskFunction
    post_process: PythonTaskFunction
    release: PythonTaskFunction

    @property
    def state_machine_tasks(self) -> list[PythonTaskFunction]:
        """The functions the state machine invokes (the hooks are Ground Truth's)."""
        return [self.select, self.manifest, self.post_process, self.release]

    @property
    def ground_truth_hooks(self) -> list[PythonTaskFunction]:
        """Pre-annotation and consolidation: the Lambdas the Ground Truth role invokes."""
        return [self.pre_annotation, self.consolidation]


@dataclass(frozen=True)
class PreparationFunctions:
    """The floor-tape preparation workflow's functions, in the order a run meets them."""

    find: PythonTaskFunction
    stitch: PythonTaskFunction
    append: PythonTaskFunction

    @property
    def state_machine_tasks(self) -> list[PythonTaskFunction]:
        return [self.find, self.stitch, self.append]


def labeling_functions(
    scope: Construct,
    platform: Platform,
    settings: GroundTruthSettings,
    data: CvSafetyData,
    job_name_prefix: str,
) -> LabelingFunctions:
    """The six labeling functions, created in `scope` (their construct ids are their logical ids)."""
    factory = TaskFunctionFactory(scope, platform, PACKAGE, service=LABELING_SERVICE)
    frames = _frames_environment(data, job_name_prefix)
    return LabelingFunctions(
        select=_select_frames(factory, data, frames, settings.max_frames_per_job),
        manifest=_write_manifest(factory, data),
        pre_annotation=_pre_annotation(factory, settings),
        consolidation=_consolidation(factory),
        post_process=_post_process(factory, data),
        release=_release_frames(factory, frames),
    )


def preparation_functions(
    scope: Construct, platform: Platform, settings: TapePreparationSettings, data: CvSafetyData
) -> PreparationFunctions:
    """The three preparation functions, created in `scope`."""
    factory = TaskFunctionFactory(scope, platform, PACKAGE, service=PREPARATION_SERVICE)
    return PreparationFunctions(
        find=_find_cameras(factory, data, settings),
        stitch=_stitch_composite(factory, data, settings),
        append=_append_manifest(factory, data),
    )


# Labeling ------------------------------------------------------------------------------------------


def _frames_environment(data: CvSafetyData, job_name_prefix: str) -> dict[str, str]:
    """What claiming and releasing frames read: the frames table, its indexes and the job names."""
    return {
        CONTRACT.FRAMES_TABLE_ENV: data.frames_table.table_name,
        CONTRACT.AWAITING_INDEX_ENV: CONTRACT.AWAITING_INDEX,
        CONTRACT.JOB_INDEX_ENV: CONTRACT.JOB_INDEX,
        CONTRACT.JOB_NAME_PREFIX_ENV: job_name_prefix,
    }


def _select_frames(
    factory: TaskFunctionFactory, data: CvSafetyData, frames: dict[str, str], max_frames: int
) -> PythonTaskFunction:
    return factory.create(
        "SelectFramesHandler",
        CONTRACT.SELECT_FRAMES_HANDLER,
        "Claims frames awaiting labels for one labeling job",
        timeout_seconds=120,
        environment={
            **frames,
            CONTRACT.BUCKET_ENV: data.bucket.bucket_name,
            CONTRACT.MAX_FRAMES_ENV: str(max_frames),
        },
    )


def _write_manifest(factory: TaskFunctionFactory, data: CvSafetyData) -> PythonTaskFunction:
    return factory.create(
        "WriteManifestHandler",
        CONTRACT.WRITE_MANIFEST_HANDLER,
        "Writes the Ground Truth input manifest (JSON Lines)",
        timeout_seconds=60,
        environment={CONTRACT.BUCKET_ENV: data.bucket.bucket_name},
    )


def _pre_annotation(factory: TaskFunctionFactory, settings: GroundTruthSettings) -> PythonTaskFunction:
    labels = {
        CONTRACT.BOUNDING_BOX: list(settings.bounding_box_labels),
        CONTRACT.FLOOR_TAPE: list(settings.floor_tape_labels),
    }
    return factory.create(
        "PreAnnotationHandler",
        CONTRACT.PRE_ANNOTATION_HANDLER,
        "Ground Truth pre-annotation: task input with the model's boxes",
        timeout_seconds=30,
        environment={
            CONTRACT.LABELS_ENV: json.dumps(labels),
            CONTRACT.MIN_CONFIDENCE_ENV: str(settings.pre_annotation_min_confidence),
        },
    )


def _consolidation(factory: TaskFunctionFactory) -> PythonTaskFunction:
    return factory.create(
        "ConsolidationHandler",
        CONTRACT.CONSOLIDATION_HANDLER,
        "Ground Truth annotation consolidation: merges workers' answers",
        timeout_seconds=300,
        memory_size=1024,
    )


def _post_process(factory: TaskFunctionFactory, data: CvSafetyData) -> PythonTaskFunction:
    return factory.create(
        "PostProcessHandler",
        CONTRACT.POST_PROCESS_HANDLER,
        "Output manifest -> curated dataset, label statistics, frames labeled",
        timeout_seconds=600,
        memory_size=1024,
        environment={
            CONTRACT.BUCKET_ENV: data.bucket.bucket_name,
            CONTRACT.FRAMES_TABLE_ENV: data.frames_table.table_name,
        },
    )


def _release_frames(factory: TaskFunctionFactory, frames: dict[str, str]) -> PythonTaskFunction:
    return factory.create(
        "ReleaseFramesHandler",
        CONTRACT.RELEASE_FRAMES_HANDLER,
        "Returns a failed labeling run's frames to awaiting labels",
        timeout_seconds=300,
        environment=frames,
    )


# Floor-tape preparation ----------------------------------------------------------------------------


def _find_cameras(
    factory: TaskFunctionFactory, data: CvSafetyData, settings: TapePreparationSettings
) -> PythonTaskFunction:
    return factory.create(
        "FindCamerasHandler",
        CONTRACT.FIND_CAMERAS_HANDLER,
        "Finds cameras that still need a floor composite",
        timeout_seconds=60,
        environment={
            CONTRACT.CAMERAS_TABLE_ENV: data.cameras_table.table_name,
            CONTRACT.PENDING_INDEX_ENV: CONTRACT.PENDING_INDEX,
            CONTRACT.MAX_CAMERAS_ENV: str(settings.max_cameras_per_run),
            CONTRACT.FRAMES_PER_CAMERA_ENV: str(settings.frames_per_camera),
            CONTRACT.MAX_FRAMES_PER_CAMERA_ENV: str(settings.max_frames_per_camera),
        },
    )


def _stitch_composite(
    factory: TaskFunctionFactory, data: CvSafetyData, settings: TapePreparationSettings
) -> PythonTaskFunction:
    return factory.create(
        "StitchCompositeHandler",
        CONTRACT.STITCH_COMPOSITE_HANDLER,
        "Votes clear floor regions over K frames and stitches a composite",
        timeout_seconds=settings.stitch_timeout_seconds,
        memory_size=settings.stitch_memory_mb,
        environment={
            CONTRACT.BUCKET_ENV: data.bucket.bucket_name,
            CONTRACT.MIN_CONFIDENCE_ENV: str(settings.detection_min_confidence),
            CONTRACT.OBSTRUCTION_MARGIN_PX_ENV: str(settings.obstruction_margin_px),
            CONTRACT.REGION_SIZE_PX_ENV: str(settings.region_size_px),
            CONTRACT.MIN_COVERAGE_PERCENT_ENV: str(settings.min_coverage_percent),
            CONTRACT.EXTRA_FRAMES_PER_RETRY_ENV: str(settings.extra_frames_per_retry),
            CONTRACT.MAX_FRAMES_PER_CAMERA_ENV: str(settings.max_frames_per_camera),
        },
    )


def _append_manifest(factory: TaskFunctionFactory, data: CvSafetyData) -> PythonTaskFunction:
    return factory.create(
        "AppendManifestHandler",
        CONTRACT.APPEND_MANIFEST_HANDLER,
        "Queues ready composites for floor-tape labeling and writes the run manifest",
        timeout_seconds=60,
        environment={
            CONTRACT.BUCKET_ENV: data.bucket.bucket_name,
            CONTRACT.FRAMES_TABLE_ENV: data.frames_table.table_name,
        },
    )
