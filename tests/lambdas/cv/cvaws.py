"""Helpers for the CV-safety handler tests: names, the Lambda envelope, and a moto data plane."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
from cv import contract

BUCKET = "cv-data"
FRAMES_TABLE = "cv-frames"
CAMERAS_TABLE = "cv-cameras"
EXECUTION_ID = "arn:aws:states:us-east-1:123456789012:execution:Labeling:run-1"
STARTED_AT = "2026-11-22T18:30:00.000Z"

ENVIRONMENT = {
    contract.BUCKET_ENV: BUCKET,
    contract.FRAMES_TABLE_ENV: FRAMES_TABLE,
    contract.CAMERAS_TABLE_ENV: CAMERAS_TABLE,
    contract.AWAITING_INDEX_ENV: contract.AWAITING_INDEX,
    contract.JOB_INDEX_ENV: contract.JOB_INDEX,
    contract.PENDING_INDEX_ENV: contract.PENDING_INDEX,
    contract.JOB_NAME_PREFIX_ENV: "stepwise-test-cv",
    contract.MAX_FRAMES_ENV: "3",
    contract.LABELS_ENV: json.dumps(
        {contract.BOUNDING_BOX: ["person", "forklift"], contract.FLOOR_TAPE: ["walkway", "restricted_zone"]}
    ),
    contract.MIN_CONFIDENCE_ENV: "0.5",
    contract.MAX_CAMERAS_ENV: "10",
    contract.FRAMES_PER_CAMERA_ENV: "3",
    contract.MAX_FRAMES_PER_CAMERA_ENV: "8",
    contract.EXTRA_FRAMES_PER_RETRY_ENV: "2",
    contract.OBSTRUCTION_MARGIN_PX_ENV: "0",
    contract.REGION_SIZE_PX_ENV: "4",
    contract.MIN_COVERAGE_PERCENT_ENV: "90",
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
        KeySchema=[{"AttributeName": contract.FRAME_ID, "KeyType": "HASH"}],
        AttributeDefinitions=[
            _string(contract.FRAME_ID),
            _string(contract.AWAITING_TASK),
            _string(contract.CAPTURED_AT),
            _string(contract.LABELING_JOB),
        ],
        GlobalSecondaryIndexes=[
            _index(contract.AWAITING_INDEX, contract.AWAITING_TASK, contract.CAPTURED_AT),
            _index(contract.JOB_INDEX, contract.LABELING_JOB),
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    cameras = dynamodb.create_table(
        TableName=CAMERAS_TABLE,
        KeySchema=[{"AttributeName": contract.CAMERA_ID, "KeyType": "HASH"}],
        AttributeDefinitions=[
            _string(contract.CAMERA_ID),
            _string(contract.PENDING_PREPARATION),
            _string(contract.ONBOARDED_AT),
        ],
        GlobalSecondaryIndexes=[
            _index(contract.PENDING_INDEX, contract.PENDING_PREPARATION, contract.ONBOARDED_AT)
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return Aws(s3=s3, frames=frames, cameras=cameras)
