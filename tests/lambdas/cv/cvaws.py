"""Helpers for the CV-safety handler tests: names, the Lambda envelope, and a moto data plane."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3

BUCKET = "cv-data"
FRAMES_TABLE = "cv-frames"
CAMERAS_TABLE = "cv-cameras"
EXECUTION_ID = "arn:aws:states:us-east-1:123456789012:execution:Labeling:run-1"
STARTED_AT = "2026-11-22T18:30:00.000Z"

ENVIRONMENT = {
    "BUCKET": BUCKET,
    "FRAMES_TABLE": FRAMES_TABLE,
    "CAMERAS_TABLE": CAMERAS_TABLE,
    "AWAITING_INDEX": "AwaitingLabels",
    "JOB_INDEX": "LabelingJob",
    "PENDING_INDEX": "PendingPreparation",
    "JOB_NAME_PREFIX": "stepwise-test-cv",
    "MAX_FRAMES": "3",
    "LABELS": '{"bounding_box": ["person", "forklift"], "floor_tape": ["walkway", "restricted_zone"]}',
    "MIN_CONFIDENCE": "0.5",
    "MAX_CAMERAS": "10",
    "FRAMES_PER_CAMERA": "3",
    "MAX_FRAMES_PER_CAMERA": "8",
    "EXTRA_FRAMES_PER_RETRY": "2",
    "OBSTRUCTION_MARGIN_PX": "0",
    "REGION_SIZE_PX": "4",
    "MIN_COVERAGE_PERCENT": "90",
    "POWERTOOLS_SERVICE_NAME": "cv-tests",
}


@dataclass
class FakeContext:
    function_name: str = "cv-test"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:cv-test"
    aws_request_id: str = "req-1"


def envelope(task_input: dict[str, Any], state: str = "Task") -> dict[str, Any]:
    return {"input": task_input, "executionId": EXECUTION_ID, "stateName": state}


def call(handler: Any, task_input: dict[str, Any]) -> Any:
    """Invoke a task handler the way invoke_lambda does."""
    return handler(envelope(task_input), FakeContext())


def _string(name: str) -> dict[str, str]:
    return {"AttributeName": name, "AttributeType": "S"}


def _index(name: str, partition: str, sort: str | None = None) -> dict[str, Any]:
    schema = [{"AttributeName": partition, "KeyType": "HASH"}]
    if sort:
        schema.append({"AttributeName": sort, "KeyType": "RANGE"})
    return {"IndexName": name, "KeySchema": schema, "Projection": {"ProjectionType": "ALL"}}


@dataclass
class Aws:
    s3: Any
    frames: Any
    cameras: Any

    def put_frame(self, frame_id: str, *, task: str | None = "bounding_box", **attributes: Any) -> None:
        item = {"frameId": frame_id, "s3Key": f"frames/{frame_id}.jpg", "capturedAt": frame_id, **attributes}
        if task:
            item.update(awaitingTask=task, labelStatus="AWAITING_LABELS")
        self.frames.put_item(Item=item)

    def frame(self, frame_id: str) -> dict[str, Any]:
        return self.frames.get_item(Key={"frameId": frame_id})["Item"]

    def keys(self, prefix: str = "") -> list[str]:
        listing = self.s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))


def data_plane() -> Aws:
    """The bucket and both tables (with their indexes) as the stack defines them; call inside mock_aws."""
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
    frames = dynamodb.create_table(
        TableName=FRAMES_TABLE,
        KeySchema=[{"AttributeName": "frameId", "KeyType": "HASH"}],
        AttributeDefinitions=[
            _string("frameId"),
            _string("awaitingTask"),
            _string("capturedAt"),
            _string("labelingJob"),
        ],
        GlobalSecondaryIndexes=[
            _index("AwaitingLabels", "awaitingTask", "capturedAt"),
            _index("LabelingJob", "labelingJob"),
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    cameras = dynamodb.create_table(
        TableName=CAMERAS_TABLE,
        KeySchema=[{"AttributeName": "cameraId", "KeyType": "HASH"}],
        AttributeDefinitions=[_string("cameraId"), _string("pendingPreparation"), _string("onboardedAt")],
        GlobalSecondaryIndexes=[_index("PendingPreparation", "pendingPreparation", "onboardedAt")],
        BillingMode="PAY_PER_REQUEST",
    )
    return Aws(s3=s3, frames=frames, cameras=cameras)
