"""The CV-safety capability as one reusable construct: data plane + both workflows, resources and wiring.

The state graphs are in `stacks/cv/definition/`, the task functions in `stacks/cv/functions.py`,
the Ground Truth role and UI templates in `stacks/cv/ground_truth.py`, the schedules' shape in
`stacks/cv/scheduling.py`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from aws_cdk import Aws, Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.common import ObservableStateMachine, ObservableStateMachineProps, PythonTaskFunction
from stacks.common.contracts import handler_contract
from stacks.common.platform import Platform
from stacks.cv.data import CvSafetyData, CvSafetyDataProps, grant_items
from stacks.cv.definition.labeling import LabelingDefinition, LabelingResources
from stacks.cv.definition.preparation import PreparationDefinition, PreparationResources
from stacks.cv.functions import (
    LabelingFunctions,
    PreparationFunctions,
    labeling_functions,
    preparation_functions,
)
from stacks.cv.ground_truth import (
    TASK_DEFINITIONS,
    TaskDefinition,
    grant_labeling_job_sync,
    ground_truth_role,
    upload_ui_templates,
)
from stacks.cv.scheduling import schedule_dead_letters, start_on_schedule
from stacks.cv.settings import CvSettings, GroundTruthSettings, TapePreparationSettings

CONTRACT = handler_contract("cv")
MAX_JOB_NAME_PREFIX = 32


@dataclass(frozen=True)
class GroundTruthLabelingProps:
    """Typed inputs of the labeling workflow; `job_name_prefix` defaults to `stepwise-<env>-cv`."""

    platform: Platform
    settings: GroundTruthSettings
    data: CvSafetyData
    alarm_topic: sns.ITopic
    job_name_prefix: str | None = None


class GroundTruthLabeling(Construct):
    """Select frames -> input manifest -> Ground Truth job (.sync) -> curated dataset -> event.

    On a failed, stopped or timed-out job the frames return to awaiting labels and a
    `LabelingJobFailed` event is published before the execution fails. A subclass may set
    `task_definitions` to other titles, descriptions or keywords of the two task types.
    """

    task_definitions: tuple[TaskDefinition, ...] = TASK_DEFINITIONS

    functions: LabelingFunctions
    select_function: PythonTaskFunction
    manifest_function: PythonTaskFunction
    pre_annotation_function: PythonTaskFunction
    consolidation_function: PythonTaskFunction
    post_process_function: PythonTaskFunction
    release_function: PythonTaskFunction
    ground_truth_role: iam.Role
    ui_templates: dict[str, s3_assets.Asset]
    workteam_arn: str
    job_name_prefix: str
    workflow: ObservableStateMachine
    state_machine: sfn.StateMachine
    schedules: dict[str, scheduler.Schedule]

    def __init__(self, scope: Construct, construct_id: str, props: GroundTruthLabelingProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        self.job_name_prefix = _job_name_prefix(props)
        self.workteam_arn = props.settings.workteam_arn or (
            f"arn:{Aws.PARTITION}:sagemaker:{Aws.REGION}:{Aws.ACCOUNT_ID}:workteam/private-crowd/"
            f"{props.settings.workteam_name}"
        )
        self.functions = functions = labeling_functions(
            self, props.platform, props.settings, props.data, self.job_name_prefix
        )
        # Each function also under the attribute name extenders have granted to and alarmed on.
        self.select_function, self.manifest_function = functions.select, functions.manifest
        self.pre_annotation_function = functions.pre_annotation
        self.consolidation_function = functions.consolidation
        self.post_process_function, self.release_function = functions.post_process, functions.release
        _grant_labeling(functions, props.data)
        self.ground_truth_role = ground_truth_role(self, props.data.bucket, self.functions.ground_truth_hooks)
        self.ui_templates = upload_ui_templates(self, self.ground_truth_role, self.task_definitions)
        self.workflow = ObservableStateMachine(
            self,
            "Workflow",
            ObservableStateMachineProps(
                platform=props.platform,
                definition=LabelingDefinition(self, "Definition", self._resources()).chain,
                alarm_topic=props.alarm_topic,
                timeout=Duration.hours(props.settings.job_timeout_hours + 1),
                comment="CV safety: frames awaiting labels -> Ground Truth labeling job -> curated dataset",
                task_functions=self.functions.state_machine_tasks,
            ),
        )
        self.state_machine = self.workflow.state_machine
        grant_labeling_job_sync(
            self.state_machine,
            self.workflow.role.node.find_child("DefaultPolicy"),
            self.ground_truth_role,
            self.job_name_prefix,
        )
        self.schedules = self._create_schedules()

    def _resources(self) -> LabelingResources:
        data = self._props.data
        return LabelingResources(
            settings=self._props.settings,
            functions=self.functions,
            bucket=data.bucket,
            event_bus=data.event_bus,
            ground_truth_role=self.ground_truth_role,
            workteam_arn=self.workteam_arn,
            ui_template_urls={task: asset.s3_object_url for task, asset in self.ui_templates.items()},
            task_definitions=self.task_definitions,
        )

    def _create_schedules(self) -> dict[str, scheduler.Schedule]:
        """One schedule per configured task type, sharing one alarmed dead-letter queue."""
        dead_letters = schedule_dead_letters(self, "ScheduleDeadLetters", self._props.alarm_topic)
        schedules = {}
        for schedule in self._props.settings.schedules:
            name = "".join(part.title() for part in schedule.task_type.split("_"))
            schedules[schedule.task_type] = start_on_schedule(
                self,
                f"{name}Schedule",
                state_machine=self.state_machine,
                expression=schedule.expression,
                enabled=schedule.enabled,
                timezone=schedule.timezone,
                execution_input={"taskType": schedule.task_type},
                dead_letter_queue=dead_letters,
                description=f"Starts a {schedule.task_type} Ground Truth labeling run",
            )
        return schedules


def _job_name_prefix(props: GroundTruthLabelingProps) -> str:
    """`job_name_prefix` or `stepwise-<env>-cv`, short enough for 63-character job names."""
    prefix = props.job_name_prefix or f"stepwise-{props.platform.name}-cv"
    if len(prefix) > MAX_JOB_NAME_PREFIX:
        raise ValueError(
            f"labeling job name prefix {prefix!r} is longer than {MAX_JOB_NAME_PREFIX} "
            "characters (job names are limited to 63)"
        )
    return prefix


def _objects(prefix: str) -> str:
    """The object pattern of one bucket prefix (`labeling/` -> `labeling/*`)."""
    return f"{prefix}*"


def _grant_labeling(functions: LabelingFunctions, data: CvSafetyData) -> None:
    """Each labeling function: exactly the frame updates, indexes and bucket prefixes it uses."""
    bucket, frames, labeling = data.bucket, data.frames_table, _objects(CONTRACT.LABELING_PREFIX)
    grant_items(functions.select, frames, ["UpdateItem"], [CONTRACT.AWAITING_INDEX, CONTRACT.JOB_INDEX])
    functions.select.grant_object_access(bucket, ["s3:PutObject"], labeling)
    functions.manifest.grant_object_access(bucket, ["s3:GetObject", "s3:PutObject"], labeling)
    functions.pre_annotation.grant_object_access(
        bucket, ["s3:GetObject"], _objects(CONTRACT.DETECTIONS_PREFIX)
    )
    functions.consolidation.grant_object_access(bucket, ["s3:GetObject"], labeling)
    grant_items(functions.post_process, frames, ["UpdateItem"])
    functions.post_process.grant_object_access(bucket, ["s3:GetObject"], labeling)
    functions.post_process.grant_object_access(bucket, ["s3:PutObject"], _objects(CONTRACT.CURATED_PREFIX))
    grant_items(functions.release, frames, ["UpdateItem"], [CONTRACT.JOB_INDEX])


def _grant_preparation(functions: PreparationFunctions, data: CvSafetyData) -> None:
    """Find reads the pending index; stitch lists and reads frames, writes composites; append queues them."""
    bucket, frames = data.bucket, _objects(CONTRACT.FRAMES_PREFIX)
    grant_items(functions.find, data.cameras_table, query_indexes=[CONTRACT.PENDING_INDEX])
    functions.stitch.role.add_to_policy(
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [frames]}},
        )
    )
    functions.stitch.grant_object_access(bucket, ["s3:GetObject"], frames)
    functions.stitch.grant_object_access(bucket, ["s3:GetObject"], _objects(CONTRACT.DETECTIONS_PREFIX))
    functions.stitch.grant_object_access(bucket, ["s3:PutObject"], _objects(CONTRACT.COMPOSITES_PREFIX))
    grant_items(functions.append, data.frames_table, ["PutItem"])
    functions.append.grant_object_access(bucket, ["s3:PutObject"], _objects(CONTRACT.MANIFESTS_PREFIX))


@dataclass(frozen=True)
class TapeLabelingPreparationProps:
    platform: Platform
    settings: TapePreparationSettings
    data: CvSafetyData
    alarm_topic: sns.ITopic


class TapeLabelingPreparation(Construct):
    """Find pending cameras -> Map(stitch composite -> mark ready | retry) -> floor-tape manifest."""

    functions: PreparationFunctions
    find_function: PythonTaskFunction
    stitch_function: PythonTaskFunction
    append_function: PythonTaskFunction
    workflow: ObservableStateMachine
    state_machine: sfn.StateMachine
    schedule: scheduler.Schedule

    def __init__(self, scope: Construct, construct_id: str, props: TapeLabelingPreparationProps) -> None:
        super().__init__(scope, construct_id)
        settings = props.settings
        self.functions = functions = preparation_functions(self, props.platform, settings, props.data)
        self.find_function, self.stitch_function = functions.find, functions.stitch
        self.append_function = functions.append
        _grant_preparation(functions, props.data)
        definition = PreparationDefinition(
            self,
            "Definition",
            PreparationResources(
                functions=self.functions,
                cameras_table=props.data.cameras_table,
                map_concurrency=settings.map_concurrency,
            ),
        )
        self.workflow = ObservableStateMachine(
            self,
            "Workflow",
            ObservableStateMachineProps(
                platform=props.platform,
                definition=definition.chain,
                alarm_topic=props.alarm_topic,
                timeout=_preparation_timeout(settings),
                comment="CV safety: new cameras -> voted floor composites -> floor-tape labeling manifest",
                task_functions=self.functions.state_machine_tasks,
            ),
        )
        self.state_machine = self.workflow.state_machine
        self.schedule = start_on_schedule(
            self,
            "HourlySchedule",
            state_machine=self.state_machine,
            expression=settings.schedule_expression,
            enabled=settings.schedule_enabled,
            execution_input={},
            dead_letter_queue=schedule_dead_letters(self, "ScheduleDeadLetters", props.alarm_topic),
            description="Starts the floor-tape labeling preparation",
        )


def _preparation_timeout(settings: TapePreparationSettings) -> Duration:
    """Enough for every Map round of stitching at the configured concurrency, plus the run's own steps."""
    rounds = math.ceil(settings.max_cameras_per_run / settings.map_concurrency)
    return Duration.seconds(rounds * (settings.stitch_timeout_seconds + 60) + 600)


@dataclass(frozen=True)
class CvSafetyProps:
    platform: Platform
    settings: CvSettings
    alarm_topic: sns.ITopic


class CvSafety(Construct):
    """Ground Truth labeling (`labeling`) and floor-tape preparation (`preparation`) over shared `data`.

    Extend by subclassing and overriding `_create_data` / `_create_labeling` / `_create_preparation`,
    or compose `CvSafetyData`, `GroundTruthLabeling` and `TapeLabelingPreparation` directly.
    """

    data: CvSafetyData
    labeling: GroundTruthLabeling
    preparation: TapeLabelingPreparation

    def __init__(self, scope: Construct, construct_id: str, props: CvSafetyProps) -> None:
        super().__init__(scope, construct_id)
        self.data = self._create_data(props)
        self.labeling = self._create_labeling(props)
        self.preparation = self._create_preparation(props)

    def _create_data(self, props: CvSafetyProps) -> CvSafetyData:
        return CvSafetyData(self, "Data", CvSafetyDataProps(platform=props.platform))

    def _create_labeling(self, props: CvSafetyProps) -> GroundTruthLabeling:
        return GroundTruthLabeling(
            self,
            "GroundTruthLabeling",
            GroundTruthLabelingProps(props.platform, props.settings.labeling, self.data, props.alarm_topic),
        )

    def _create_preparation(self, props: CvSafetyProps) -> TapeLabelingPreparation:
        return TapeLabelingPreparation(
            self,
            "TapeLabelingPreparation",
            TapeLabelingPreparationProps(
                props.platform, props.settings.tape_preparation, self.data, props.alarm_topic
            ),
        )
