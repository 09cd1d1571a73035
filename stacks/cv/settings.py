"""The `cv` section of an environment in cdk.json: CV-safety labeling and tape-preparation settings."""

from __future__ import annotations

import re
from typing import Literal, get_args

from pydantic import Field, field_validator, model_validator

from stacks.settings import ReadinessProblem, Settings

# The task types of `lambdas/cv/contract.py` (TASK_TYPES), spelled out for the type checker and pydantic;
# tests/stacks/cv/test_cv_stack.py keeps the two equal.
TaskType = Literal["bounding_box", "floor_tape"]
TASK_TYPES: tuple[TaskType, ...] = get_args(TaskType)

_RATE = re.compile(r"^rate\(\s*\d+\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\(\s*\S+(\s+\S+){5}\s*\)$")
_AT = re.compile(r"^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$")
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,127}$")


def _schedule_expression(value: str) -> str:
    value = value.strip()
    if not (_RATE.match(value) or _CRON.match(value) or _AT.match(value)):
        raise ValueError(
            "must be an EventBridge Scheduler expression: rate(N minutes|hours|days), "
            "cron(6 fields) or at(yyyy-mm-ddThh:mm:ss)"
        )
    if value.startswith("rate("):
        amount = int(value[5:].split()[0])
        if amount < 1:
            raise ValueError("a rate must be at least 1")
    return value


def _labels(values: tuple[str, ...]) -> tuple[str, ...]:
    if not values:
        raise ValueError("needs at least one label")
    if len(set(values)) != len(values):
        raise ValueError("labels must be unique")
    for label in values:
        if not _LABEL.match(label):
            raise ValueError(f"label {label!r} must be 1-128 letters, digits, space, '_', '.' or '-'")
    return values


class LabelingScheduleSettings(Settings):
    """One EventBridge Scheduler schedule that starts a labeling run for one task type."""

    task_type: TaskType
    expression: str = "rate(1 day)"
    enabled: bool = True
    timezone: str = "UTC"

    @field_validator("expression")
    @classmethod
    def _valid_expression(cls, value: str) -> str:
        return _schedule_expression(value)


class GroundTruthSettings(Settings):
    """Workflow 1: scheduled SageMaker Ground Truth labeling jobs over frames awaiting labels."""

    schedules: tuple[LabelingScheduleSettings, ...] = (
        LabelingScheduleSettings(task_type="bounding_box"),
        LabelingScheduleSettings(task_type="floor_tape"),
    )
    max_frames_per_job: int = Field(default=500, ge=1, le=5000)
    workteam_arn: str | None = Field(
        default=None, pattern=r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:workteam/[\w./-]+$"
    )
    workteam_name: str = Field(default="stepwise-cv-safety", pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
    workers_per_object: int = Field(default=1, ge=1, le=9)
    task_time_limit_seconds: int = Field(default=600, ge=30, le=28800)
    task_availability_hours: int = Field(default=72, ge=1, le=240)
    max_concurrent_tasks: int = Field(default=500, ge=1, le=5000)
    job_timeout_hours: int = Field(default=240, ge=1, le=720)
    bounding_box_labels: tuple[str, ...] = ("person", "forklift", "pallet_jack", "cart")
    floor_tape_labels: tuple[str, ...] = (
        "walkway",
        "forklift_lane",
        "restricted_zone",
        "storage_area",
        "emergency_exit",
    )
    pre_annotation_min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)

    @field_validator("bounding_box_labels", "floor_tape_labels")
    @classmethod
    def _valid_labels(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return _labels(values)

    @model_validator(mode="after")
    def _one_schedule_per_task(self) -> GroundTruthSettings:
        types = [schedule.task_type for schedule in self.schedules]
        duplicates = sorted({t for t in types if types.count(t) > 1})
        if duplicates:
            raise ValueError(f"schedules: one schedule per task type (repeated: {', '.join(duplicates)})")
        return self


class TapePreparationSettings(Settings):
    """Workflow 2: hourly composites of the unobstructed floor for newly onboarded cameras."""

    schedule_expression: str = "rate(1 hour)"
    schedule_enabled: bool = True
    max_cameras_per_run: int = Field(default=50, ge=1, le=500)
    map_concurrency: int = Field(default=5, ge=1, le=40)
    frames_per_camera: int = Field(default=5, ge=2, le=50)
    extra_frames_per_retry: int = Field(default=5, ge=0, le=50)
    max_frames_per_camera: int = Field(default=30, ge=2, le=100)
    detection_min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    obstruction_margin_px: int = Field(default=8, ge=0, le=256)
    region_size_px: int = Field(default=16, ge=1, le=256)
    min_coverage_percent: float = Field(default=95.0, ge=0.0, le=100.0)
    stitch_memory_mb: int = Field(default=3008, ge=512, le=10240)
    stitch_timeout_seconds: int = Field(default=300, ge=30, le=900)

    @field_validator("schedule_expression")
    @classmethod
    def _valid_expression(cls, value: str) -> str:
        return _schedule_expression(value)

    @model_validator(mode="after")
    def _frame_bounds(self) -> TapePreparationSettings:
        if self.max_frames_per_camera < self.frames_per_camera:
            raise ValueError("maxFramesPerCamera must be >= framesPerCamera")
        return self


class CvSettings(Settings):
    """`environments.<env>.cv`: both CV-safety workflows."""

    labeling: GroundTruthSettings = GroundTruthSettings()
    tape_preparation: TapePreparationSettings = TapePreparationSettings()

    def readiness_problems(self) -> list[ReadinessProblem]:
        """Without `labeling.workteamArn` the jobs go to a work team named after `workteamName` in the
        stack's account, which this app does not create."""
        if self.labeling.workteam_arn:
            return []
        return [
            ReadinessProblem(
                "labeling.workteamArn",
                f"unset, so labeling jobs go to the private work team {self.labeling.workteam_name!r} of "
                "the stack's account, which this app does not create and may not exist: set the ARN of an "
                "existing work team",
            )
        ]
