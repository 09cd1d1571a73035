"""Workflow 1: scheduled SageMaker Ground Truth labeling jobs over frames awaiting labels."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import ArnFormat, Aws, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.common import (
    EVENTBRIDGE_RETRY,
    SAGEMAKER_RETRY,
    ObservableStateMachine,
    ObservableStateMachineProps,
    PythonTaskFunction,
    acknowledge,
    invoke_lambda,
)
from stacks.common.nag import arn_prefix, arn_token
from stacks.common.platform import Platform
from stacks.cv.data import EVENT_SOURCE, CvSafetyData, grant_items
from stacks.cv.functions import cv_task_function
from stacks.cv.scheduling import schedule_dead_letters, start_on_schedule
from stacks.cv.settings import GroundTruthSettings, TaskType

UI_TEMPLATES = Path(__file__).resolve().parent / "ui"
LABELING_PREFIX = "labeling/"
SERVICE = "cv-labeling"
MAX_JOB_NAME_PREFIX = 32
CREATE_LABELING_JOB_SYNC = "arn:aws:states:::sagemaker:createLabelingJob.sync"
SAGEMAKER_EVENTS_RULE = "StepFunctionsGetEventsForSageMakerLabelingJobsRule"


@dataclass(frozen=True)
class TaskDefinition:
    """What differs between the two Ground Truth tasks; the rest of the job is shared."""

    task_type: TaskType
    state_name: str
    label_attribute_name: str
    title: str
    description: str
    keywords: tuple[str, ...]


TASK_DEFINITIONS: tuple[TaskDefinition, ...] = (
    TaskDefinition(
        "bounding_box",
        "BoundingBoxTask",
        "bounding-box",
        "Box people and vehicles on the warehouse floor",
        "Correct the model's boxes so every person and vehicle has one tight box",
        ("image", "bounding box", "safety"),
    ),
    TaskDefinition(
        "floor_tape",
        "FloorTapeTask",
        "floor-tape",
        "Outline floor-tape zones",
        "Draw one polygon per zone marked by painted floor tape on a composite floor image",
        ("image", "polygon", "floor tape"),
    ),
)


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
    `LabelingJobFailed` event is published before the execution fails.
    """

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
        self.job_name_prefix = props.job_name_prefix or f"stepwise-{props.platform.name}-cv"
        if len(self.job_name_prefix) > MAX_JOB_NAME_PREFIX:
            raise ValueError(
                f"labeling job name prefix {self.job_name_prefix!r} is longer than {MAX_JOB_NAME_PREFIX} "
                "characters (job names are limited to 63)"
            )
        self.workteam_arn = props.settings.workteam_arn or (
            f"arn:{Aws.PARTITION}:sagemaker:{Aws.REGION}:{Aws.ACCOUNT_ID}:workteam/private-crowd/"
            f"{props.settings.workteam_name}"
        )
        self._create_functions()
        self.ground_truth_role = self._create_ground_truth_role()
        self._upload_ui_templates()
        self.workflow = ObservableStateMachine(
            self,
            "Workflow",
            ObservableStateMachineProps(
                platform=props.platform,
                definition=self._definition(),
                alarm_topic=props.alarm_topic,
                timeout=Duration.hours(props.settings.job_timeout_hours + 1),
                comment="CV safety: frames awaiting labels -> Ground Truth labeling job -> curated dataset",
                task_functions=[
                    self.select_function,
                    self.manifest_function,
                    self.post_process_function,
                    self.release_function,
                ],
            ),
        )
        self.state_machine = self.workflow.state_machine
        self._grant_labeling_job_sync()
        self.schedules = self._create_schedules()

    # Functions -------------------------------------------------------------------------------

    def _function(
        self, construct_id: str, handler: str, environment: dict[str, str], **kwargs: Any
    ) -> PythonTaskFunction:
        return cv_task_function(
            self, construct_id, self._props.platform, SERVICE, handler, environment, **kwargs
        )

    def _create_functions(self) -> None:
        data, settings = self._props.data, self._props.settings
        bucket, table = data.bucket, data.frames_table
        tables = {
            "FRAMES_TABLE": table.table_name,
            "AWAITING_INDEX": data.AWAITING_INDEX,
            "JOB_INDEX": data.JOB_INDEX,
            "JOB_NAME_PREFIX": self.job_name_prefix,
        }
        self.select_function = self._function(
            "SelectFramesHandler",
            "select_frames.handler",
            {**tables, "BUCKET": bucket.bucket_name, "MAX_FRAMES": str(settings.max_frames_per_job)},
            timeout=Duration.minutes(2),
            description="Claims frames awaiting labels for one labeling job",
        )
        grant_items(self.select_function, table, ["UpdateItem"], [data.AWAITING_INDEX, data.JOB_INDEX])
        self.select_function.grant_object_access(bucket, ["s3:PutObject"], f"{LABELING_PREFIX}*")

        self.manifest_function = self._function(
            "WriteManifestHandler",
            "write_manifest.handler",
            {"BUCKET": bucket.bucket_name},
            timeout=Duration.minutes(1),
            description="Writes the Ground Truth input manifest (JSON Lines)",
        )
        self.manifest_function.grant_object_access(
            bucket, ["s3:GetObject", "s3:PutObject"], f"{LABELING_PREFIX}*"
        )

        labels = {
            "bounding_box": list(settings.bounding_box_labels),
            "floor_tape": list(settings.floor_tape_labels),
        }
        self.pre_annotation_function = self._function(
            "PreAnnotationHandler",
            "pre_annotation.handler",
            {"LABELS": json.dumps(labels), "MIN_CONFIDENCE": str(settings.pre_annotation_min_confidence)},
            timeout=Duration.seconds(30),
            description="Ground Truth pre-annotation: task input with the model's boxes",
        )
        self.pre_annotation_function.grant_object_access(bucket, ["s3:GetObject"], "detections/*")

        self.consolidation_function = self._function(
            "ConsolidationHandler",
            "consolidation.handler",
            {},
            timeout=Duration.minutes(5),
            memory_size=1024,
            description="Ground Truth annotation consolidation: merges workers' answers",
        )
        self.consolidation_function.grant_object_access(bucket, ["s3:GetObject"], f"{LABELING_PREFIX}*")

        self.post_process_function = self._function(
            "PostProcessHandler",
            "post_process.handler",
            {"BUCKET": bucket.bucket_name, "FRAMES_TABLE": table.table_name},
            timeout=Duration.minutes(10),
            memory_size=1024,
            description="Output manifest -> curated dataset, label statistics, frames labeled",
        )
        grant_items(self.post_process_function, table, ["UpdateItem"])
        self.post_process_function.grant_object_access(bucket, ["s3:GetObject"], f"{LABELING_PREFIX}*")
        self.post_process_function.grant_object_access(bucket, ["s3:PutObject"], "curated/*")

        self.release_function = self._function(
            "ReleaseFramesHandler",
            "release_frames.handler",
            tables,
            timeout=Duration.minutes(5),
            description="Returns a failed labeling run's frames to awaiting labels",
        )
        grant_items(self.release_function, table, ["UpdateItem"], [data.JOB_INDEX])

    # Ground Truth ----------------------------------------------------------------------------

    def _create_ground_truth_role(self) -> iam.Role:
        """The role Ground Truth runs the job with: read inputs, write output, call the task Lambdas."""
        bucket = self._props.data.bucket
        role = iam.Role(
            self,
            "GroundTruthRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description="SageMaker Ground Truth labeling jobs of the CV-safety workflow",
        )
        readable = ("frames/*", "composites/*", LABELING_PREFIX + "*")
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"], resources=[bucket.arn_for_objects(pattern) for pattern in readable]
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject"], resources=[bucket.arn_for_objects(LABELING_PREFIX + "*")]
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket", "s3:GetBucketLocation"], resources=[bucket.bucket_arn]
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[
                    self.pre_annotation_function.function.function_arn,
                    self.consolidation_function.function.function_arn,
                ],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogStreams",
                ],
                resources=[
                    Stack.of(self).format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name="/aws/sagemaker/LabelingJobs*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": "AWS/SageMaker/LabelingJobs"}},
            )
        )
        policy = role.node.find_child("DefaultPolicy")
        bucket_token = arn_token(bucket)
        for pattern in readable:
            acknowledge(
                policy,
                f"AwsSolutions-IAM5[Resource::{bucket_token}/{pattern}]",
                "Ground Truth reads the job's images and manifests under fixed prefixes of one bucket.",
            )
        acknowledge(
            policy,
            f"AwsSolutions-IAM5[Resource::{arn_prefix(policy, 'logs')}"
            "log-group:/aws/sagemaker/LabelingJobs*]",
            "Ground Truth writes to its own service log group family; the job names are not known at deploy.",
        )
        acknowledge(
            policy,
            "AwsSolutions-IAM5[Resource::*]",
            "cloudwatch:PutMetricData has no resource-level permissions; it is limited to the Ground Truth "
            "namespace by a condition.",
        )
        return role

    def _upload_ui_templates(self) -> None:
        """The UI templates, uploaded as CDK assets Ground Truth reads (exact objects, no custom resource)."""
        self.ui_templates = {}
        for definition in TASK_DEFINITIONS:
            asset = s3_assets.Asset(
                self,
                f"{definition.state_name}Template",
                path=str(UI_TEMPLATES / f"{definition.task_type}.liquid.html"),
            )
            self.ground_truth_role.add_to_policy(
                iam.PolicyStatement(
                    actions=["s3:GetObject"],
                    resources=[f"arn:{Aws.PARTITION}:s3:::{asset.s3_bucket_name}/{asset.s3_object_key}"],
                )
            )
            self.ui_templates[definition.task_type] = asset

    # Workflow --------------------------------------------------------------------------------

    def _task_pass(self, definition: TaskDefinition) -> sfn.Pass:
        labels = (
            self._props.settings.bounding_box_labels
            if definition.task_type == "bounding_box"
            else self._props.settings.floor_tape_labels
        )
        return sfn.Pass(
            self,
            definition.state_name,
            comment=f"The {definition.task_type} task's template, categories and label attribute",
            result=sfn.Result.from_object(
                {
                    "taskType": definition.task_type,
                    "labelAttributeName": definition.label_attribute_name,
                    "uiTemplateUri": self.ui_templates[definition.task_type].s3_object_url,
                    "title": definition.title,
                    "description": definition.description,
                    "keywords": list(definition.keywords),
                    "labels": list(labels),
                }
            ),
            result_path="$.task",
        )

    def _run_context(self) -> dict[str, Any]:
        return {
            "taskType": sfn.JsonPath.string_at("$.task.taskType"),
            "executionId": sfn.JsonPath.execution_id,
            "startedAt": sfn.JsonPath.string_at("$$.Execution.StartTime"),
        }

    def _create_labeling_job(self) -> sfn.CustomState:
        settings = self._props.settings
        consolidation_arn = self.consolidation_function.function.function_arn
        state = sfn.CustomState(
            self,
            "CreateLabelingJob",
            state_json={
                "Type": "Task",
                "Comment": "Ground Truth labeling job; waits for it to complete (.sync)",
                "Resource": CREATE_LABELING_JOB_SYNC,
                "TimeoutSeconds": settings.job_timeout_hours * 3600,
                "Parameters": {
                    "LabelingJobName.$": "$.selection.jobName",
                    "LabelAttributeName.$": "$.task.labelAttributeName",
                    "RoleArn": self.ground_truth_role.role_arn,
                    "InputConfig": {
                        "DataSource": {"S3DataSource": {"ManifestS3Uri.$": "$.manifest.manifestUri"}}
                    },
                    "OutputConfig": {
                        "S3OutputPath": f"s3://{self._props.data.bucket.bucket_name}/{LABELING_PREFIX}output/"
                    },
                    "HumanTaskConfig": {
                        "WorkteamArn": self.workteam_arn,
                        "UiConfig": {"UiTemplateS3Uri.$": "$.task.uiTemplateUri"},
                        "PreHumanTaskLambdaArn": self.pre_annotation_function.function.function_arn,
                        "AnnotationConsolidationConfig": {
                            "AnnotationConsolidationLambdaArn": consolidation_arn
                        },
                        "TaskTitle.$": "$.task.title",
                        "TaskDescription.$": "$.task.description",
                        "TaskKeywords.$": "$.task.keywords",
                        "NumberOfHumanWorkersPerDataObject": settings.workers_per_object,
                        "TaskTimeLimitInSeconds": settings.task_time_limit_seconds,
                        "TaskAvailabilityLifetimeInSeconds": settings.task_availability_hours * 3600,
                        "MaxConcurrentTaskCount": settings.max_concurrent_tasks,
                    },
                },
                "ResultSelector": {
                    "jobArn.$": "$.LabelingJobArn",
                    "status.$": "$.LabelingJobStatus",
                    "labelCounters.$": "$.LabelCounters",
                    "outputManifestUri.$": "$.LabelingJobOutput.OutputDatasetS3Uri",
                },
                "ResultPath": "$.labelingJob",
            },
        )
        SAGEMAKER_RETRY.applied_to(state)  # type: ignore[arg-type]
        return state

    def _put_event(
        self, construct_id: str, detail_type: str, detail: dict[str, Any]
    ) -> tasks.EventBridgePutEvents:
        task = tasks.EventBridgePutEvents(
            self,
            construct_id,
            entries=[
                tasks.EventBridgePutEventsEntry(
                    detail=sfn.TaskInput.from_object(detail),
                    detail_type=detail_type,
                    source=EVENT_SOURCE,
                    event_bus=self._props.data.event_bus,
                )
            ],
            result_path=sfn.JsonPath.DISCARD,
            task_timeout=sfn.Timeout.duration(Duration.seconds(30)),
        )
        EVENTBRIDGE_RETRY.applied_to(task)
        return task

    def _definition(self) -> sfn.IChainable:
        catch = {"errors": ["States.ALL"], "result_path": "$.error"}

        release = invoke_lambda(
            self,
            "ReturnFramesToAwaiting",
            self.release_function,
            payload={**self._run_context(), "error": sfn.JsonPath.object_at("$.error")},
            result_path="$.release",
        )
        notify_failed = self._put_event(
            "NotifyLabelingJobFailed",
            "LabelingJobFailed",
            {
                "jobName": sfn.JsonPath.string_at("$.release.jobName"),
                "taskType": sfn.JsonPath.string_at("$.release.taskType"),
                "status": sfn.JsonPath.string_at("$.release.status"),
                "reason": sfn.JsonPath.string_at("$.release.reason"),
                "framesReturned": sfn.JsonPath.number_at("$.release.framesReturned"),
                "executionId": sfn.JsonPath.execution_id,
            },
        )
        run_failed = sfn.Fail(
            self,
            "LabelingRunFailed",
            error="LabelingJobFailed",
            cause="The labeling job did not complete; frames returned",
        )
        release_failed = sfn.Fail(
            self,
            "ReleaseFailed",
            error="FramesNotReturned",
            cause="Frames of the failed run could not be returned",
        )
        release.add_catch(release_failed, **catch)
        notify_failed.add_catch(run_failed, **catch)
        release.next(notify_failed).next(run_failed)

        select = invoke_lambda(
            self,
            "SelectFrames",
            self.select_function,
            payload={**self._run_context(), "request": sfn.JsonPath.object_at("$$.Execution.Input")},
            result_path="$.selection",
        )
        rejected = sfn.Fail(
            self,
            "RequestRejected",
            comment="The input has fields besides taskType; nothing was claimed",
            error="InvalidInput",
            cause_path="$.Cause",
        )
        select.add_catch(rejected, errors=["InvalidInput"], result_path="$")
        select.add_catch(release, **catch)
        manifest = invoke_lambda(
            self,
            "WriteManifest",
            self.manifest_function,
            payload={"selectionKey": sfn.JsonPath.string_at("$.selection.selectionKey")},
            result_path="$.manifest",
        )
        manifest.add_catch(release, **catch)
        label = self._create_labeling_job()
        label.add_catch(release, **catch)
        post_process = invoke_lambda(
            self,
            "PostProcess",
            self.post_process_function,
            payload={
                "selectionKey": sfn.JsonPath.string_at("$.selection.selectionKey"),
                "outputManifestUri": sfn.JsonPath.string_at("$.labelingJob.outputManifestUri"),
                "labelAttributeName": sfn.JsonPath.string_at("$.task.labelAttributeName"),
                "labels": sfn.JsonPath.list_at("$.task.labels"),
            },
            result_path="$.postProcess",
        )
        post_process.add_catch(release, **catch)
        notify_completed = self._put_event(
            "NotifyLabelingJobCompleted",
            "LabelingJobCompleted",
            {
                "jobName": sfn.JsonPath.string_at("$.selection.jobName"),
                "taskType": sfn.JsonPath.string_at("$.task.taskType"),
                "jobArn": sfn.JsonPath.string_at("$.labelingJob.jobArn"),
                "datasetUri": sfn.JsonPath.string_at("$.postProcess.datasetUri"),
                "statisticsUri": sfn.JsonPath.string_at("$.postProcess.statisticsUri"),
                "statistics": sfn.JsonPath.object_at("$.postProcess.statistics"),
                "executionId": sfn.JsonPath.execution_id,
            },
        )
        notify_completed.add_catch(
            sfn.Fail(
                self,
                "NotificationFailed",
                error="NotificationFailed",
                cause="Labels were curated; the event was not sent",
            ),
            **catch,
        )
        completed = sfn.Pass(
            self,
            "LabelingCompleted",
            parameters={
                "outcome": "LabelingJobCompleted",
                "jobName": sfn.JsonPath.string_at("$.selection.jobName"),
                "datasetUri": sfn.JsonPath.string_at("$.postProcess.datasetUri"),
                "statistics": sfn.JsonPath.object_at("$.postProcess.statistics"),
            },
        )
        nothing = sfn.Pass(
            self,
            "NothingToLabel",
            parameters={"outcome": "NothingToLabel", "taskType": sfn.JsonPath.string_at("$.task.taskType")},
        )
        select.next(
            sfn.Choice(self, "AnythingToLabel")
            .when(sfn.Condition.number_equals("$.selection.count", 0), nothing)
            .otherwise(manifest.next(label).next(post_process).next(notify_completed).next(completed))
        )
        unknown = sfn.Fail(
            self,
            "UnknownTaskType",
            error="UnknownTaskType",
            cause="Input field taskType must be one of: " + ", ".join(d.task_type for d in TASK_DEFINITIONS),
        )
        choose = sfn.Choice(self, "ChooseTaskType", comment="Which Ground Truth task: input field taskType")
        choose.when(sfn.Condition.not_(sfn.Condition.is_present("$.taskType")), unknown)
        for definition in TASK_DEFINITIONS:
            choose.when(
                sfn.Condition.string_equals("$.taskType", definition.task_type),
                self._task_pass(definition).next(select),
            )
        return choose.otherwise(unknown)

    def _grant_labeling_job_sync(self) -> None:
        """What `createLabelingJob.sync` needs: the job API, the managed events rule and PassRole."""
        stack = Stack.of(self)
        job_arn = stack.format_arn(
            service="sagemaker", resource="labeling-job", resource_name=f"{self.job_name_prefix}-*"
        )
        machine = self.state_machine
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=[
                    "sagemaker:CreateLabelingJob",
                    "sagemaker:DescribeLabelingJob",
                    "sagemaker:StopLabelingJob",
                ],
                resources=[job_arn],
            )
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                resources=[
                    stack.format_arn(service="events", resource="rule", resource_name=SAGEMAKER_EVENTS_RULE)
                ],
            )
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[self.ground_truth_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            )
        )
        acknowledge(
            self.workflow.role.node.find_child("DefaultPolicy"),
            f"AwsSolutions-IAM5[Resource::{arn_prefix(self, 'sagemaker')}"
            f"labeling-job/{self.job_name_prefix}-*]",
            "Labeling job names are generated per execution; the pattern is limited to this "
            "workflow's prefix.",
        )

    def _create_schedules(self) -> dict[str, scheduler.Schedule]:
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
