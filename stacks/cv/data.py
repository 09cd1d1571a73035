"""The CV-safety data plane shared by both workflows: bucket, frames table, camera registry, event bus."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.common import PythonTaskFunction, secure_bucket, secure_table
from stacks.common.contracts import handler_contract
from stacks.common.platform import Platform

EVENT_SOURCE = "stepwise.cv-safety"
CONTRACT = handler_contract("cv")


def grant_items(
    task_function: PythonTaskFunction,
    table: dynamodb.ITableV2,
    item_actions: Sequence[str] = (),
    query_indexes: Sequence[str] = (),
) -> None:
    """Exact DynamoDB item actions on the table and `Query` on named indexes (no `index/*`)."""
    if item_actions:
        task_function.role.add_to_policy(
            iam.PolicyStatement(actions=[f"dynamodb:{a}" for a in item_actions], resources=[table.table_arn])
        )
    if query_indexes:
        task_function.role.add_to_policy(
            iam.PolicyStatement(
                actions=["dynamodb:Query"],
                resources=[f"{table.table_arn}/index/{index}" for index in query_indexes],
            )
        )


def _key(name: str) -> dynamodb.Attribute:
    """A string key attribute."""
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


def _add_index(table: dynamodb.TableV2, name: str, partition: str, sort: str | None = None) -> None:
    """A global secondary index on string keys (sparse: only items with `partition` appear)."""
    table.add_global_secondary_index(
        index_name=name, partition_key=_key(partition), sort_key=_key(sort) if sort else None
    )


@dataclass(frozen=True)
class CvSafetyDataProps:
    platform: Platform


class CvSafetyData(Construct):
    """Storage and events of the CV-safety pipeline.

    Bucket layout: `frames/<camera>/<time>.jpg`, `detections/<camera>/<time>.json`, `labeling/<job>/`
    (manifests, Ground Truth output), `curated/<task>/<job>/` (training sets), `composites/<camera>/<run>/`,
    `manifests/floor_tape/<run>.manifest`.

    Frames table: `frameId`; a frame awaiting labels has `awaitingTask` (+ `capturedAt`) and so appears
    in the sparse AwaitingLabels index; `labelingJob` keys the LabelingJob index.
    Camera registry: `cameraId`; a camera that still needs a composite has `pendingPreparation =
    "PENDING"` (+ `onboardedAt`) and so appears in the sparse PendingPreparation index.
    Every name here is `lambdas/cv/contract.py`'s, which the handlers read too.
    """

    AWAITING_INDEX = CONTRACT.AWAITING_INDEX
    JOB_INDEX = CONTRACT.JOB_INDEX
    PENDING_INDEX = CONTRACT.PENDING_INDEX

    bucket: s3.Bucket
    frames_table: dynamodb.TableV2
    cameras_table: dynamodb.TableV2
    event_bus: events.EventBus

    def __init__(self, scope: Construct, construct_id: str, props: CvSafetyDataProps) -> None:
        super().__init__(scope, construct_id)
        self.bucket = secure_bucket(self, "Data", props.platform)
        # The Ground Truth worker portal loads task images from the browser with presigned URLs.
        self.bucket.add_cors_rule(
            allowed_methods=[s3.HttpMethods.GET],
            allowed_origins=["*"],
            exposed_headers=["Access-Control-Allow-Origin"],
        )
        self.frames_table = secure_table(
            self, "Frames", props.platform, partition_key=_key(CONTRACT.FRAME_ID)
        )
        _add_index(self.frames_table, self.AWAITING_INDEX, CONTRACT.AWAITING_TASK, CONTRACT.CAPTURED_AT)
        _add_index(self.frames_table, self.JOB_INDEX, CONTRACT.LABELING_JOB)
        self.cameras_table = secure_table(
            self, "Cameras", props.platform, partition_key=_key(CONTRACT.CAMERA_ID)
        )
        _add_index(
            self.cameras_table, self.PENDING_INDEX, CONTRACT.PENDING_PREPARATION, CONTRACT.ONBOARDED_AT
        )
        self.event_bus = events.EventBus(
            self, "Events", description=f"Stepwise CV-safety labeling events ({props.platform.name})"
        )
