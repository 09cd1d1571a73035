"""Workflow 2: hourly floor composites of newly onboarded cameras, queued for floor-tape labeling."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.common import (
    DYNAMODB_RETRY,
    ObservableStateMachine,
    ObservableStateMachineProps,
    PythonTaskFunction,
    invoke_lambda,
)
from stacks.common.platform import Platform
from stacks.cv.data import CvSafetyData, grant_items
from stacks.cv.functions import cv_task_function
from stacks.cv.scheduling import schedule_dead_letters, start_on_schedule
from stacks.cv.settings import TapePreparationSettings

SERVICE = "cv-tape-preparation"
READY = "READY_FOR_TAPE_ANNOTATION"
RETRY = "RETRY"


@dataclass(frozen=True)
class TapeLabelingPreparationProps:
    platform: Platform
    settings: TapePreparationSettings
    data: CvSafetyData
    alarm_topic: sns.ITopic


class TapeLabelingPreparation(Construct):
    """Find pending cameras -> Map(stitch composite -> mark ready | retry) -> floor-tape manifest."""

    find_function: PythonTaskFunction
    stitch_function: PythonTaskFunction
    append_function: PythonTaskFunction
    workflow: ObservableStateMachine
    state_machine: sfn.StateMachine
    schedule: scheduler.Schedule

    def __init__(self, scope: Construct, construct_id: str, props: TapeLabelingPreparationProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        self._create_functions()
        settings = props.settings
        rounds = math.ceil(settings.max_cameras_per_run / settings.map_concurrency)
        self.workflow = ObservableStateMachine(
            self,
            "Workflow",
            ObservableStateMachineProps(
                platform=props.platform,
                definition=self._definition(),
                alarm_topic=props.alarm_topic,
                timeout=Duration.seconds(rounds * (settings.stitch_timeout_seconds + 60) + 600),
                comment="CV safety: new cameras -> voted floor composites -> floor-tape labeling manifest",
                task_functions=[self.find_function, self.stitch_function, self.append_function],
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

    def _function(
        self, construct_id: str, handler: str, environment: dict[str, str], **kwargs: Any
    ) -> PythonTaskFunction:
        return cv_task_function(
            self, construct_id, self._props.platform, SERVICE, handler, environment, **kwargs
        )

    def _create_functions(self) -> None:
        data, settings = self._props.data, self._props.settings
        bucket = data.bucket
        self.find_function = self._function(
            "FindCamerasHandler",
            "find_cameras.handler",
            {
                "CAMERAS_TABLE": data.cameras_table.table_name,
                "PENDING_INDEX": data.PENDING_INDEX,
                "MAX_CAMERAS": str(settings.max_cameras_per_run),
                "FRAMES_PER_CAMERA": str(settings.frames_per_camera),
                "MAX_FRAMES_PER_CAMERA": str(settings.max_frames_per_camera),
            },
            timeout=Duration.seconds(60),
            description="Finds cameras that still need a floor composite",
        )
        grant_items(self.find_function, data.cameras_table, query_indexes=[data.PENDING_INDEX])

        self.stitch_function = self._function(
            "StitchCompositeHandler",
            "stitch_composite.handler",
            {
                "BUCKET": bucket.bucket_name,
                "MIN_CONFIDENCE": str(settings.detection_min_confidence),
                "OBSTRUCTION_MARGIN_PX": str(settings.obstruction_margin_px),
                "REGION_SIZE_PX": str(settings.region_size_px),
                "MIN_COVERAGE_PERCENT": str(settings.min_coverage_percent),
                "EXTRA_FRAMES_PER_RETRY": str(settings.extra_frames_per_retry),
                "MAX_FRAMES_PER_CAMERA": str(settings.max_frames_per_camera),
            },
            timeout=Duration.seconds(settings.stitch_timeout_seconds),
            memory_size=settings.stitch_memory_mb,
            description="Votes clear floor regions over K frames and stitches a composite",
        )
        self.stitch_function.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": ["frames/*"]}},
            )
        )
        self.stitch_function.grant_object_access(bucket, ["s3:GetObject"], "frames/*")
        self.stitch_function.grant_object_access(bucket, ["s3:GetObject"], "detections/*")
        self.stitch_function.grant_object_access(bucket, ["s3:PutObject"], "composites/*")

        self.append_function = self._function(
            "AppendManifestHandler",
            "append_manifest.handler",
            {"BUCKET": bucket.bucket_name, "FRAMES_TABLE": data.frames_table.table_name},
            timeout=Duration.seconds(60),
            description="Queues ready composites for floor-tape labeling and writes the run manifest",
        )
        grant_items(self.append_function, data.frames_table, ["PutItem"])
        self.append_function.grant_object_access(bucket, ["s3:PutObject"], "manifests/*")

    def _camera_update(
        self, construct_id: str, update: str, values: dict[str, tasks.DynamoAttributeValue], comment: str
    ) -> tasks.DynamoUpdateItem:
        task = tasks.DynamoUpdateItem(
            self,
            construct_id,
            table=self._props.data.cameras_table,
            key={
                "cameraId": tasks.DynamoAttributeValue.from_string(
                    sfn.JsonPath.string_at("$.camera.cameraId")
                )
            },
            update_expression=update,
            expression_attribute_names={"#status": "preparationStatus"},
            expression_attribute_values=values,
            result_path=sfn.JsonPath.DISCARD,
            task_timeout=sfn.Timeout.duration(Duration.seconds(30)),
            comment=comment,
        )
        DYNAMODB_RETRY.applied_to(task)
        return task

    def _camera_iteration(self) -> sfn.IChainable:
        catch = {"errors": ["States.ALL"], "result_path": "$.error"}
        now = tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$$.State.EnteredTime"))
        coverage = tasks.DynamoAttributeValue.number_from_string(
            sfn.JsonPath.json_to_string(sfn.JsonPath.number_at("$.result.coveragePercent"))
        )
        camera_failed = sfn.Pass(
            self,
            "CameraFailed",
            parameters={
                "cameraId": sfn.JsonPath.string_at("$.camera.cameraId"),
                "ready": False,
                "error": sfn.JsonPath.string_at("$.error.Error"),
            },
        )
        record_error = self._camera_update(
            "RecordCameraError",
            "SET #status = :retry, lastError = :error, lastAttemptAt = :now ADD attempts :one",
            {
                ":retry": tasks.DynamoAttributeValue.from_string(RETRY),
                ":error": tasks.DynamoAttributeValue.from_string(
                    sfn.JsonPath.format(
                        "{}: {}",
                        sfn.JsonPath.string_at("$.error.Error"),
                        sfn.JsonPath.string_at("$.error.Cause"),
                    )
                ),
                ":now": now,
                ":one": tasks.DynamoAttributeValue.from_number(1),
            },
            "The camera stays pending: the next run tries again",
        )
        record_error.add_catch(camera_failed, **catch)
        record_error.next(camera_failed)

        stitch = invoke_lambda(
            self,
            "StitchComposite",
            self.stitch_function,
            payload={
                "camera": sfn.JsonPath.object_at("$.camera"),
                "runId": sfn.JsonPath.string_at("$.runId"),
            },
            result_path="$.result",
        )
        stitch.add_catch(record_error, **catch)

        mark_ready = self._camera_update(
            "MarkCameraReady",
            "SET #status = :ready, compositeKey = :composite, coverageMaskKey = :mask, reportKey = :report, "
            "coveragePercent = :coverage, preparedAt = :now REMOVE pendingPreparation",
            {
                ":ready": tasks.DynamoAttributeValue.from_string(READY),
                ":composite": tasks.DynamoAttributeValue.from_string(
                    sfn.JsonPath.string_at("$.result.compositeKey")
                ),
                ":mask": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.result.maskKey")),
                ":report": tasks.DynamoAttributeValue.from_string(
                    sfn.JsonPath.string_at("$.result.reportKey")
                ),
                ":coverage": coverage,
                ":now": now,
            },
            "Ready for floor-tape annotation; leaves the pending index",
        )
        mark_ready.add_catch(camera_failed, **catch)
        mark_retry = self._camera_update(
            "MarkCameraRetry",
            "SET #status = :retry, frameCount = :frames, coveragePercent = :coverage, lastAttemptAt = :now "
            "ADD attempts :one",
            {
                ":retry": tasks.DynamoAttributeValue.from_string(RETRY),
                ":frames": tasks.DynamoAttributeValue.number_from_string(
                    sfn.JsonPath.json_to_string(sfn.JsonPath.number_at("$.result.nextFrameCount"))
                ),
                ":coverage": coverage,
                ":now": now,
                ":one": tasks.DynamoAttributeValue.from_number(1),
            },
            "Coverage below the threshold: retry next run with more frames",
        )
        mark_retry.add_catch(camera_failed, **catch)
        outcome = sfn.Pass(self, "CameraOutcome", output_path="$.result")
        return stitch.next(
            sfn.Choice(self, "CoverageReached")
            .when(sfn.Condition.boolean_equals("$.result.ready", True), mark_ready.next(outcome))
            .otherwise(mark_retry.next(outcome))
        )

    def _definition(self) -> sfn.IChainable:
        catch = {"errors": ["States.ALL"], "result_path": "$.error"}
        find = invoke_lambda(
            self,
            "FindNewCameras",
            self.find_function,
            payload={"request": sfn.JsonPath.object_at("$$.Execution.Input")},
            result_path="$.pending",
        )
        find.add_catch(
            sfn.Fail(
                self,
                "RequestRejected",
                comment="The scheduled run takes no input ({}); nothing was read or written",
                error="InvalidInput",
                cause_path="$.Cause",
            ),
            errors=["InvalidInput"],
            result_path="$",
        )
        find.add_catch(
            sfn.Fail(
                self,
                "FindCamerasFailed",
                error="FindCamerasFailed",
                cause="The camera registry could not be read",
            ),
            **catch,
        )

        prepare = sfn.Map(
            self,
            "PrepareCameras",
            items_path="$.pending.cameras",
            item_selector={
                "camera": sfn.JsonPath.object_at("$$.Map.Item.Value"),
                "runId": sfn.JsonPath.execution_name,
            },
            max_concurrency=self._props.settings.map_concurrency,
            result_path="$.prepared",
        )
        prepare.item_processor(self._camera_iteration())
        prepare.add_catch(
            sfn.Fail(self, "PreparationFailed", error="PreparationFailed", cause="The camera map failed"),
            **catch,
        )

        append = invoke_lambda(
            self,
            "AppendManifest",
            self.append_function,
            payload={"runId": sfn.JsonPath.execution_name, "results": sfn.JsonPath.list_at("$.prepared")},
            result_path="$.manifest",
        )
        append.add_catch(
            sfn.Fail(
                self,
                "AppendManifestFailed",
                error="AppendManifestFailed",
                cause="Composites were written but not queued",
            ),
            **catch,
        )
        summary = sfn.Pass(self, "PreparationSummary", output_path="$.manifest")
        nothing = sfn.Pass(self, "NoNewCameras", parameters={"outcome": "NoNewCameras", "cameras": 0})
        return find.next(
            sfn.Choice(self, "AnyNewCameras")
            .when(sfn.Condition.number_equals("$.pending.count", 0), nothing)
            .otherwise(prepare.next(append).next(summary))
        )
