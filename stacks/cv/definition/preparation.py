"""The floor-tape preparation state graph, built from the resources `TapeLabelingPreparation` creates.

State data (JSONPath): `$.pending` (the cameras found), `$.prepared` (one result per camera),
`$.manifest` (what was queued for labeling). Inside the camera Map: `$.camera`, `$.runId`, `$.result`
(the composite's keys and coverage) and `$.error` when the camera failed. Camera registry updates
are native DynamoDB updates on the names of `lambdas/cv/contract.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.common import DYNAMODB_RETRY, invoke_lambda
from stacks.common.contracts import handler_contract
from stacks.cv.functions import PreparationFunctions

CONTRACT = handler_contract("cv")
CATCH_ALL: Mapping[str, Any] = {"errors": ["States.ALL"], "result_path": "$.error"}


@dataclass(frozen=True)
class PreparationResources:
    """Everything the preparation graph refers to."""

    functions: PreparationFunctions
    cameras_table: dynamodb.ITableV2
    map_concurrency: int


def _string(path: str) -> tasks.DynamoAttributeValue:
    return tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at(path))


def _number(path: str) -> tasks.DynamoAttributeValue:
    return tasks.DynamoAttributeValue.number_from_string(
        sfn.JsonPath.json_to_string(sfn.JsonPath.number_at(path))
    )


def _now() -> tasks.DynamoAttributeValue:
    return _string("$$.State.EnteredTime")


class PreparationDefinition(Construct):
    """Builds the chain; `chain` is the start of the definition."""

    chain: sfn.IChainable

    def __init__(self, scope: Construct, construct_id: str, resources: PreparationResources) -> None:
        super().__init__(scope, construct_id)
        self.r = resources
        self.chain = self._find().next(
            sfn.Choice(self, "AnyNewCameras")
            .when(
                sfn.Condition.number_equals("$.pending.count", 0),
                sfn.Pass(self, "NoNewCameras", parameters={"outcome": "NoNewCameras", "cameras": 0}),
            )
            .otherwise(
                self._prepare()
                .next(self._append())
                .next(sfn.Pass(self, "PreparationSummary", output_path="$.manifest"))
            )
        )

    # ---- run: find, prepare each camera, queue the composites -----------------------------

    def _find(self) -> sfn.TaskStateBase:
        find = invoke_lambda(
            self,
            "FindNewCameras",
            self.r.functions.find,
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
            **CATCH_ALL,
        )
        return find

    def _prepare(self) -> sfn.Map:
        prepare = sfn.Map(
            self,
            "PrepareCameras",
            items_path="$.pending.cameras",
            item_selector={
                "camera": sfn.JsonPath.object_at("$$.Map.Item.Value"),
                "runId": sfn.JsonPath.execution_name,
            },
            max_concurrency=self.r.map_concurrency,
            result_path="$.prepared",
        )
        prepare.item_processor(self._camera())
        prepare.add_catch(
            sfn.Fail(self, "PreparationFailed", error="PreparationFailed", cause="The camera map failed"),
            **CATCH_ALL,
        )
        return prepare

    def _append(self) -> sfn.TaskStateBase:
        append = invoke_lambda(
            self,
            "AppendManifest",
            self.r.functions.append,
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
            **CATCH_ALL,
        )
        return append

    # ---- one camera: stitch, then ready or retry; an error leaves it pending --------------

    def _camera(self) -> sfn.IChainable:
        camera_failed = sfn.Pass(
            self,
            "CameraFailed",
            parameters={
                "cameraId": sfn.JsonPath.string_at("$.camera.cameraId"),
                "ready": False,
                "error": sfn.JsonPath.string_at("$.error.Error"),
            },
        )
        stitch = invoke_lambda(
            self,
            "StitchComposite",
            self.r.functions.stitch,
            payload={
                "camera": sfn.JsonPath.object_at("$.camera"),
                "runId": sfn.JsonPath.string_at("$.runId"),
            },
            result_path="$.result",
        )
        stitch.add_catch(self._record_error(camera_failed), **CATCH_ALL)
        mark_ready, mark_retry = self._mark_ready(), self._mark_retry()
        for mark in (mark_ready, mark_retry):
            mark.add_catch(camera_failed, **CATCH_ALL)
        outcome = sfn.Pass(self, "CameraOutcome", output_path="$.result")
        return stitch.next(
            sfn.Choice(self, "CoverageReached")
            .when(sfn.Condition.boolean_equals("$.result.ready", True), mark_ready.next(outcome))
            .otherwise(mark_retry.next(outcome))
        )

    def _record_error(self, camera_failed: sfn.IChainable) -> sfn.IChainable:
        record_error = self._camera_update(
            "RecordCameraError",
            "SET #status = :retry, lastError = :error, lastAttemptAt = :now ADD attempts :one",
            {
                ":retry": tasks.DynamoAttributeValue.from_string(CONTRACT.RETRY),
                ":error": tasks.DynamoAttributeValue.from_string(
                    sfn.JsonPath.format(
                        "{}: {}",
                        sfn.JsonPath.string_at("$.error.Error"),
                        sfn.JsonPath.string_at("$.error.Cause"),
                    )
                ),
                ":now": _now(),
                ":one": tasks.DynamoAttributeValue.from_number(1),
            },
            "The camera stays pending: the next run tries again",
        )
        record_error.add_catch(camera_failed, **CATCH_ALL)
        return record_error.next(camera_failed)

    def _mark_ready(self) -> tasks.DynamoUpdateItem:
        return self._camera_update(
            "MarkCameraReady",
            "SET #status = :ready, compositeKey = :composite, coverageMaskKey = :mask, reportKey = :report, "
            f"coveragePercent = :coverage, preparedAt = :now REMOVE {CONTRACT.PENDING_PREPARATION}",
            {
                ":ready": tasks.DynamoAttributeValue.from_string(CONTRACT.READY_FOR_TAPE_ANNOTATION),
                ":composite": _string("$.result.compositeKey"),
                ":mask": _string("$.result.maskKey"),
                ":report": _string("$.result.reportKey"),
                ":coverage": _number("$.result.coveragePercent"),
                ":now": _now(),
            },
            "Ready for floor-tape annotation; leaves the pending index",
        )

    def _mark_retry(self) -> tasks.DynamoUpdateItem:
        return self._camera_update(
            "MarkCameraRetry",
            "SET #status = :retry, frameCount = :frames, coveragePercent = :coverage, lastAttemptAt = :now "
            "ADD attempts :one",
            {
                ":retry": tasks.DynamoAttributeValue.from_string(CONTRACT.RETRY),
                ":frames": _number("$.result.nextFrameCount"),
                ":coverage": _number("$.result.coveragePercent"),
                ":now": _now(),
                ":one": tasks.DynamoAttributeValue.from_number(1),
            },
            "Coverage below the threshold: retry next run with more frames",
        )

    def _camera_update(
        self, construct_id: str, update: str, values: dict[str, tasks.DynamoAttributeValue], comment: str
    ) -> tasks.DynamoUpdateItem:
        """A native update of the camera's registry item (`#status` is its preparation status)."""
        task = tasks.DynamoUpdateItem(
            self,
            construct_id,
            table=self.r.cameras_table,
            key={CONTRACT.CAMERA_ID: _string("$.camera.cameraId")},
            update_expression=update,
            expression_attribute_names={"#status": CONTRACT.PREPARATION_STATUS},
            expression_attribute_values=values,
            result_path=sfn.JsonPath.DISCARD,
            task_timeout=sfn.Timeout.duration(Duration.seconds(30)),
            comment=comment,
        )
        DYNAMODB_RETRY.applied_to(task)
        return task
