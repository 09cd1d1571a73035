"""The Ground Truth labeling state graph, built from the resources `GroundTruthLabeling` creates.

State data (JSONPath): `$.task` (the chosen task's template, categories and label attribute),
`$.selection` (the claimed frames' job name, count and selection file), `$.manifest`,
`$.labelingJob` (the finished job), `$.postProcess` (the curated dataset); `$.error` holds the error
that started the failure path and `$.release` what returning the frames reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.common import EVENTBRIDGE_RETRY, SAGEMAKER_RETRY, invoke_lambda
from stacks.common.contracts import handler_contract
from stacks.cv.data import EVENT_SOURCE
from stacks.cv.functions import LabelingFunctions
from stacks.cv.ground_truth import TaskDefinition
from stacks.cv.settings import GroundTruthSettings

CONTRACT = handler_contract("cv")
CREATE_LABELING_JOB_SYNC = "arn:aws:states:::sagemaker:createLabelingJob.sync"
CATCH_ALL: Mapping[str, Any] = {"errors": ["States.ALL"], "result_path": "$.error"}


@dataclass(frozen=True)
class LabelingResources:
    """Everything the labeling graph refers to."""

    settings: GroundTruthSettings
    functions: LabelingFunctions
    bucket: s3.IBucket
    event_bus: events.IEventBus
    ground_truth_role: iam.IRole
    workteam_arn: str
    ui_template_urls: Mapping[str, str]
    task_definitions: Sequence[TaskDefinition]


class LabelingDefinition(Construct):
    """Builds the chain; `chain` is the start of the definition."""

    chain: sfn.IChainable

    def __init__(self, scope: Construct, construct_id: str, resources: LabelingResources) -> None:
        super().__init__(scope, construct_id)
        self.r = resources
        self.failure = self._failure_path()
        self.chain = self._choose_task_type(self._select(self._label()))

    # ---- task choice ----------------------------------------------------------------------

    def _choose_task_type(self, select: sfn.IChainable) -> sfn.IChainable:
        unknown = sfn.Fail(
            self,
            "UnknownTaskType",
            error="UnknownTaskType",
            cause="Input field taskType must be one of: "
            + ", ".join(d.task_type for d in self.r.task_definitions),
        )
        choose = sfn.Choice(self, "ChooseTaskType", comment="Which Ground Truth task: input field taskType")
        choose.when(sfn.Condition.not_(sfn.Condition.is_present("$.taskType")), unknown)
        for definition in self.r.task_definitions:
            choose.when(
                sfn.Condition.string_equals("$.taskType", definition.task_type),
                self._task_pass(definition).next(select),
            )
        return choose.otherwise(unknown)

    def _task_pass(self, definition: TaskDefinition) -> sfn.Pass:
        settings = self.r.settings
        labels = (
            settings.bounding_box_labels
            if definition.task_type == CONTRACT.BOUNDING_BOX
            else settings.floor_tape_labels
        )
        return sfn.Pass(
            self,
            definition.state_name,
            comment=f"The {definition.task_type} task's template, categories and label attribute",
            result=sfn.Result.from_object(
                {
                    "taskType": definition.task_type,
                    "labelAttributeName": definition.label_attribute_name,
                    "uiTemplateUri": self.r.ui_template_urls[definition.task_type],
                    "title": definition.title,
                    "description": definition.description,
                    "keywords": list(definition.keywords),
                    "labels": list(labels),
                }
            ),
            result_path="$.task",
        )

    # ---- selection ------------------------------------------------------------------------

    def _select(self, label: sfn.IChainable) -> sfn.IChainable:
        select = invoke_lambda(
            self,
            "SelectFrames",
            self.r.functions.select,
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
        select.add_catch(self.failure, **CATCH_ALL)
        nothing = sfn.Pass(
            self,
            "NothingToLabel",
            parameters={"outcome": "NothingToLabel", "taskType": sfn.JsonPath.string_at("$.task.taskType")},
        )
        return select.next(
            sfn.Choice(self, "AnythingToLabel")
            .when(sfn.Condition.number_equals("$.selection.count", 0), nothing)
            .otherwise(label)
        )

    # ---- labeling job and curation --------------------------------------------------------

    def _label(self) -> sfn.IChainable:
        manifest = invoke_lambda(
            self,
            "WriteManifest",
            self.r.functions.manifest,
            payload={"selectionKey": sfn.JsonPath.string_at("$.selection.selectionKey")},
            result_path="$.manifest",
        )
        label = self._create_labeling_job()
        post_process = self._post_process()
        for state in (manifest, label, post_process):
            state.add_catch(self.failure, **CATCH_ALL)
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
        return manifest.next(label).next(post_process).next(self._notify_completed()).next(completed)

    def _create_labeling_job(self) -> sfn.CustomState:
        settings = self.r.settings
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
                    "RoleArn": self.r.ground_truth_role.role_arn,
                    "InputConfig": {
                        "DataSource": {"S3DataSource": {"ManifestS3Uri.$": "$.manifest.manifestUri"}}
                    },
                    "OutputConfig": {
                        "S3OutputPath": f"s3://{self.r.bucket.bucket_name}/{CONTRACT.LABELING_OUTPUT_PREFIX}"
                    },
                    "HumanTaskConfig": self._human_task_config(),
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

    def _human_task_config(self) -> dict[str, Any]:
        """The workers' side of the job: team, UI, Ground Truth's two Lambda hooks and time limits."""
        settings, functions = self.r.settings, self.r.functions
        return {
            "WorkteamArn": self.r.workteam_arn,
            "UiConfig": {"UiTemplateS3Uri.$": "$.task.uiTemplateUri"},
            "PreHumanTaskLambdaArn": functions.pre_annotation.function.function_arn,
            "AnnotationConsolidationConfig": {
                "AnnotationConsolidationLambdaArn": functions.consolidation.function.function_arn
            },
            "TaskTitle.$": "$.task.title",
            "TaskDescription.$": "$.task.description",
            "TaskKeywords.$": "$.task.keywords",
            "NumberOfHumanWorkersPerDataObject": settings.workers_per_object,
            "TaskTimeLimitInSeconds": settings.task_time_limit_seconds,
            "TaskAvailabilityLifetimeInSeconds": settings.task_availability_hours * 3600,
            "MaxConcurrentTaskCount": settings.max_concurrent_tasks,
        }

    def _post_process(self) -> tasks.LambdaInvoke:
        return invoke_lambda(
            self,
            "PostProcess",
            self.r.functions.post_process,
            payload={
                "selectionKey": sfn.JsonPath.string_at("$.selection.selectionKey"),
                "outputManifestUri": sfn.JsonPath.string_at("$.labelingJob.outputManifestUri"),
                "labelAttributeName": sfn.JsonPath.string_at("$.task.labelAttributeName"),
                "labels": sfn.JsonPath.list_at("$.task.labels"),
            },
            result_path="$.postProcess",
        )

    def _notify_completed(self) -> tasks.EventBridgePutEvents:
        notify = self._put_event(
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
        notify.add_catch(
            sfn.Fail(
                self,
                "NotificationFailed",
                error="NotificationFailed",
                cause="Labels were curated; the event was not sent",
            ),
            **CATCH_ALL,
        )
        return notify

    # ---- failure path: frames back to awaiting, then an event -----------------------------

    def _failure_path(self) -> tasks.LambdaInvoke:
        release = invoke_lambda(
            self,
            "ReturnFramesToAwaiting",
            self.r.functions.release,
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
        release.add_catch(release_failed, **CATCH_ALL)
        notify_failed.add_catch(run_failed, **CATCH_ALL)
        release.next(notify_failed).next(run_failed)
        return release

    # ---- shared pieces --------------------------------------------------------------------

    @staticmethod
    def _run_context() -> dict[str, Any]:
        """What names a run's labeling job: its task type, execution id and start time."""
        return {
            "taskType": sfn.JsonPath.string_at("$.task.taskType"),
            "executionId": sfn.JsonPath.execution_id,
            "startedAt": sfn.JsonPath.string_at("$$.Execution.StartTime"),
        }

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
                    event_bus=self.r.event_bus,
                )
            ],
            result_path=sfn.JsonPath.DISCARD,
            task_timeout=sfn.Timeout.duration(Duration.seconds(30)),
        )
        EVENTBRIDGE_RETRY.applied_to(task)
        return task
