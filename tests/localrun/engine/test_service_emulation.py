"""S3, SQS and DynamoDB answer as their API references document (issue 14, item 9)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localrun import LocalRunner
from localrun.engine.s3_objects import sfn_member_name
from tests.localrun.asl_stacks import asl_template, sdk_task

RESOURCES = {
    "Bucket": {"Type": "AWS::S3::Bucket"},
    "Queue": {"Type": "AWS::SQS::Queue"},
}


def caught_task(resource: str, parameters: dict[str, Any], next_state: str) -> dict[str, Any]:
    """An optimized-integration Task whose result, or caught error, lands in `$.result`."""
    return {
        "Type": "Task",
        "Resource": f"arn:aws:states:::{resource}",
        "Parameters": parameters,
        "ResultPath": "$.result",
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.result", "Next": next_state}],
        "Next": next_state,
    }


def single_state(state: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": "Call", "States": {"Call": state, "Done": {"Type": "Succeed"}}}


@pytest.fixture(scope="module")
def runner() -> Iterator[LocalRunner]:
    definition = single_state(
        sdk_task("s3:putObject", {"Bucket.$": "$.bucket", "Key": "k", "Body": "hi"}, "Done", "$.result")
    )
    with LocalRunner(asl_template("ServiceEmulation", definition, RESOURCES)) as local:
        yield local


def run_state(state: dict[str, Any], name: str) -> Any:
    """Run `state` on a state machine of its own (with a bucket and a queue)."""
    with LocalRunner(asl_template(name, single_state(state), RESOURCES)) as local:
        return local.run({"bucket": local.resource("Bucket").name, "queue": local.resource("Queue").ref})


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ("ChecksumCRC32", "ChecksumCRC32"),
        ("ChecksumSHA256", "ChecksumSHA256"),
        ("ServerSideEncryption", "ServerSideEncryption"),
        ("ETag", "ETag"),
        ("MD5OfMessageBody", "Md5OfMessageBody"),
        ("SSEKMSKeyId", "SsekmsKeyId"),
        ("VersionId", "VersionId"),
    ],
)
def test_result_member_names(member: str, expected: str) -> None:
    assert sfn_member_name(member) == expected


def test_s3_put_object_result_carries_the_apis_field_names(runner: LocalRunner) -> None:
    result = runner.run({"bucket": runner.resource("Bucket").name})

    assert result.status == "SUCCEEDED", result.cause
    put = result.output["result"]
    assert "ChecksumCRC32" in put
    assert put["ChecksumType"] == "FULL_OBJECT"
    assert put["ServerSideEncryption"] == "AES256"


def test_every_stored_object_reports_sse_s3(runner: LocalRunner) -> None:
    s3 = runner.client("s3")
    bucket = runner.resource("Bucket").name
    s3.put_object(Bucket=bucket, Key="plain.txt", Body=b"x")

    assert s3.head_object(Bucket=bucket, Key="plain.txt")["ServerSideEncryption"] == "AES256"
    assert s3.get_object(Bucket=bucket, Key="plain.txt")["ServerSideEncryption"] == "AES256"


@pytest.mark.parametrize("body", [{"MessageBody": ""}, {}], ids=["empty", "missing"])
def test_sqs_send_message_without_a_body_fails_the_task_catchably(body: dict[str, Any]) -> None:
    state = caught_task("sqs:sendMessage", {"QueueUrl.$": "$.queue", **body}, "Done")

    result = run_state(state, f"SqsBody{'Empty' if body else 'Missing'}")

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["result"]["Error"] == "SQS.AmazonSQSException"
    assert "Error Code: MissingParameter" in result.output["result"]["Cause"]


def test_sqs_refuses_an_empty_body_to_sdk_callers_too(runner: LocalRunner) -> None:
    with pytest.raises(ClientError) as refused:
        runner.client("sqs").send_message(QueueUrl=runner.resource("Queue").ref, MessageBody="")

    assert refused.value.response["Error"]["Code"] == "MissingParameter"


@pytest.mark.parametrize("table", ["bad name!", "ab"])
def test_dynamodb_invalid_table_name_is_a_validation_exception(table: str) -> None:
    state = caught_task("dynamodb:getItem", {"TableName": table, "Key": {"pk": {"S": "a"}}}, "Done")

    result = run_state(state, f"DynamoDbName{len(table)}")

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["result"]["Error"] == "DynamoDB.AmazonDynamoDBException"
    cause = result.output["result"]["Cause"]
    assert cause.startswith(
        f"1 validation error detected: Value '{table}' at 'tableName' failed to satisfy constraint"
    )
    assert "Error Code: ValidationException" in cause


def test_dynamodb_missing_table_with_a_valid_name_is_still_not_found() -> None:
    state = caught_task("dynamodb:getItem", {"TableName": "NoSuchTable", "Key": {"pk": {"S": "a"}}}, "Done")

    result = run_state(state, "DynamoDbMissing")

    assert result.output["result"]["Error"] == "DynamoDB.ResourceNotFoundException"
