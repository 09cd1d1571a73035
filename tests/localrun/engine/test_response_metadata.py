"""Optimized integration results carry SdkHttpMetadata and SdkResponseMetadata, as the Developer Guide's
example outputs show; SDK error causes keep the AWS SDK for Java's wording."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from localrun import LocalRunner
from localrun.engine.response_metadata import sdk_metadata
from tests.localrun.asl_stacks import ROLE, asl_template

HANDLER = "def echo(event, context):\n    return {'seen': event}\n"
TABLE = {
    "Type": "AWS::DynamoDB::Table",
    "Properties": {
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    },
}
CHILD = {
    "Type": "AWS::StepFunctions::StateMachine",
    "Properties": {
        "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
        "Definition": {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}},
    },
}
KEY = {"pk": {"S": "order-1"}}


def task(name: str, resource: str, parameters: dict[str, Any], next_state: str | None) -> dict[str, Any]:
    """A Task whose result (or caught error) lands at `$.<name>`."""
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": f"arn:aws:states:::{resource}",
        "Parameters": parameters,
        "ResultPath": f"$.{name}",
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": f"$.{name}", "Next": next_state or "Done"}],
    }
    state["Next"] = next_state or "Done"
    return {name: state}


MACHINE = {
    "StartAt": "Invoke",
    "States": {
        **task(
            "Invoke",
            "lambda:invoke",
            {"FunctionName": {"Fn::GetAtt": ["Echo", "Arn"]}, "Payload": {"a": 1}},
            "Put",
        ),
        **task("Put", "dynamodb:putItem", {"TableName": {"Ref": "Table"}, "Item": KEY}, "Get"),
        **task("Get", "dynamodb:getItem", {"TableName": {"Ref": "Table"}, "Key": KEY}, "Update"),
        **task(
            "Update",
            "dynamodb:updateItem",
            {
                "TableName": {"Ref": "Table"},
                "Key": KEY,
                "UpdateExpression": "SET #s = :s",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":s": {"S": "PAID"}},
            },
            "Send",
        ),
        **task("Send", "sqs:sendMessage", {"QueueUrl": {"Ref": "Queue"}, "MessageBody": "hello"}, "Start"),
        **task(
            "Start", "states:startExecution", {"StateMachineArn": {"Ref": "Child"}, "Input": {}}, "PutAgain"
        ),
        **task(
            "PutAgain",
            "dynamodb:putItem",
            {"TableName": {"Ref": "Table"}, "Item": KEY, "ConditionExpression": "attribute_not_exists(pk)"},
            "Delete",
        ),
        **task("Delete", "dynamodb:deleteItem", {"TableName": {"Ref": "Table"}, "Key": KEY}, None),
        "Done": {"Type": "Succeed"},
    },
}


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("metadata-code")
    (root / "metadata_probe").mkdir()
    (root / "metadata_probe" / "__init__.py").write_text("")
    (root / "metadata_probe" / "handlers.py").write_text(HANDLER)
    echo = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Runtime": "python3.14",
            "Handler": "metadata_probe.handlers.echo",
            "Timeout": 10,
        },
        "Metadata": {"Stepwise:Source": {"root": str(root)}},
    }
    resources = {
        "Role": ROLE,
        "Echo": echo,
        "Table": TABLE,
        "Queue": {"Type": "AWS::SQS::Queue"},
        "Child": CHILD,
    }
    with LocalRunner(asl_template("ResponseMetadata", MACHINE, resources)) as runner:
        result = runner.run({}, state_machine="Machine")
        assert result.status == "SUCCEEDED", result.cause
        yield result.output


def assert_metadata(result: dict[str, Any], content_type: str) -> dict[str, str]:
    http = result["SdkHttpMetadata"]
    headers = http["HttpHeaders"]
    assert http["HttpStatusCode"] == 200
    assert http["AllHttpHeaders"] == {name: [value] for name, value in headers.items()}
    request_id = result["SdkResponseMetadata"]["RequestId"]
    assert request_id and headers["x-amzn-RequestId"] == request_id
    assert headers["Content-Type"] == content_type
    assert headers["Connection"] == "keep-alive"
    assert re.fullmatch(r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT", headers["Date"])
    return headers


def test_lambda_invoke_result_has_the_guides_example_shape(output: dict[str, Any]) -> None:
    result = output["Invoke"]

    assert set(result) == {
        "ExecutedVersion",
        "Payload",
        "SdkHttpMetadata",
        "SdkResponseMetadata",
        "StatusCode",
    }
    assert result["Payload"] == {"seen": {"a": 1}}
    assert result["StatusCode"] == 200
    headers = assert_metadata(result, "application/json")
    assert headers["X-Amz-Executed-Version"] == "$LATEST"
    assert headers["x-amzn-Remapped-Content-Length"] == "0"
    assert "x-amz-crc32" not in headers


@pytest.mark.parametrize("state", ["Put", "Get", "Update", "Delete"])
def test_dynamodb_results_carry_metadata(output: dict[str, Any], state: str) -> None:
    result = output[state]

    headers = assert_metadata(result, "application/x-amz-json-1.0")
    assert headers["x-amz-crc32"].isdigit()
    assert "X-Amz-Executed-Version" not in headers


def test_get_item_keeps_the_item_beside_the_metadata(output: dict[str, Any]) -> None:
    assert output["Get"]["Item"] == KEY


def test_sqs_send_message_result_carries_metadata(output: dict[str, Any]) -> None:
    result = output["Send"]

    assert {"MessageId", "MD5OfMessageBody"} <= set(result)
    headers = assert_metadata(result, "application/x-amz-json-1.0")
    assert "x-amz-crc32" not in headers


def test_start_execution_result_carries_metadata(output: dict[str, Any]) -> None:
    result = output["Start"]

    assert result["ExecutionArn"].startswith("arn:aws:states:")
    assert isinstance(result["StartDate"], int)
    assert_metadata(result, "application/x-amz-json-1.0")


def test_each_call_has_its_own_request_id(output: dict[str, Any]) -> None:
    states = ("Invoke", "Put", "Get", "Update", "Send", "Start", "Delete")
    ids = [output[state]["SdkResponseMetadata"]["RequestId"] for state in states]

    assert len(set(ids)) == len(ids)


def test_a_dynamodb_error_cause_has_the_sdk_for_java_wording(output: dict[str, Any]) -> None:
    caught = output["PutAgain"]

    assert caught["Error"] == "DynamoDB.ConditionalCheckFailedException"
    assert re.fullmatch(
        r"The conditional request failed \(Service: AmazonDynamoDBv2; Status Code: 400; "
        r"Error Code: ConditionalCheckFailedException; Request ID: \w+; Proxy: null\)",
        caught["Cause"],
    )


def test_metadata_from_botocore_response_metadata() -> None:
    metadata = sdk_metadata(
        {
            "RequestId": "req-1",
            "HTTPStatusCode": 200,
            "HTTPHeaders": {"content-type": "application/json", "server": "amazon.com", "x-amz-crc32": "1"},
        },
        service="lambda",
        executed_version="7",
    )

    assert metadata["SdkResponseMetadata"] == {"RequestId": "req-1"}
    assert metadata["SdkHttpMetadata"]["HttpHeaders"] == {
        "Connection": "keep-alive",
        "Content-Type": "application/json",
        "X-Amz-Executed-Version": "7",
        "x-amzn-Remapped-Content-Length": "0",
        "x-amzn-RequestId": "req-1",
    }
