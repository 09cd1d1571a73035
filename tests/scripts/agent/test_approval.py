"""python -m scripts.agent.approval: the decision reaches the waiting task as `{decision,
feedback}` via SendTaskSuccess (Stubber on the real Step Functions model), once, as the caller."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from scripts.agent import approval
from scripts.approvals import ApprovalError, Clients

REGION = "us-east-1"
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:Agent:run-1"


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(
            TableName="requests",
            KeySchema=[{"AttributeName": "requestId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "requestId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        kms = boto3.client("kms", region_name=REGION)
        stepfunctions = boto3.client("stepfunctions", region_name=REGION)
        with Stubber(stepfunctions) as stubber:
            yield {
                "dynamodb": dynamodb,
                "kms": kms,
                "key": kms.create_key()["KeyMetadata"]["KeyId"],
                "stubber": stubber,
                "clients": Clients(dynamodb, stepfunctions, kms, boto3.client("sts", region_name=REGION)),
            }


def awaiting(aws: dict[str, Any], token: str, for_request: str = "req-1") -> None:
    context = {"requestId": for_request, "executionId": EXECUTION}
    blob = aws["kms"].encrypt(KeyId=aws["key"], Plaintext=token.encode(), EncryptionContext=context)[
        "CiphertextBlob"
    ]
    aws["dynamodb"].put_item(
        TableName="requests",
        Item={
            "requestId": {"S": "req-1"},
            "status": {"S": "AWAITING_APPROVAL"},
            "executionId": {"S": EXECUTION},
            "approvalTokenCiphertext": {"B": blob},
        },
    )


def test_reject_sends_the_feedback_as_the_tasks_output(aws: dict[str, Any]) -> None:
    awaiting(aws, "tok-1")
    aws["stubber"].add_response("send_task_success", {}, {"taskToken": "tok-1", "output": ANY})
    result = approval.decide_request(
        "req-1", False, feedback="Cite the order.", table_name="requests", clients=aws["clients"]
    )
    assert result["decision"] == "REJECTED"
    item = aws["dynamodb"].get_item(TableName="requests", Key={"requestId": {"S": "req-1"}})["Item"]
    assert item["approvalComment"]["S"] == "Cite the order." and item["approvalReviewer"]["S"].startswith(
        "arn:aws"
    )


def test_approve_resumes_with_the_decision(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    awaiting(aws, "tok-2")
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(
        approval,
        "deliver",
        lambda sfn, token, outcome, at, feedback: sent.append(
            {"token": token, "outcome": outcome, "feedback": feedback}
        ),
    )
    approval.decide_request("req-1", True, table_name="requests", clients=aws["clients"])
    assert sent == [{"token": "tok-2", "outcome": "APPROVED", "feedback": ""}]


def test_the_delivered_output_is_the_decision_and_feedback_only(aws: dict[str, Any]) -> None:
    aws["stubber"].add_response("send_task_success", {}, {"taskToken": "t", "output": ANY})
    outputs: list[str] = []
    client = aws["clients"].stepfunctions
    original = client.send_task_success

    def capture(**kwargs: Any) -> Any:
        outputs.append(kwargs["output"])
        return original(**kwargs)

    client.send_task_success = capture
    approval.deliver(client, "t", "REJECTED", "2026-01-01T00:00:00+00:00", "More detail.")
    assert json.loads(outputs[0]) == {
        "decision": "reject",
        "decidedAt": "2026-01-01T00:00:00+00:00",
        "feedback": "More detail.",
    }


def test_a_second_decision_is_refused(aws: dict[str, Any]) -> None:
    awaiting(aws, "tok-3")
    aws["stubber"].add_response("send_task_success", {}, None)
    approval.decide_request("req-1", True, table_name="requests", clients=aws["clients"])
    with pytest.raises(ApprovalError, match="req-1 was already decided"):
        approval.decide_request("req-1", True, table_name="requests", clients=aws["clients"])


def test_a_token_stored_for_another_request_is_refused(aws: dict[str, Any]) -> None:
    awaiting(aws, "tok-9", for_request="req-9")
    with pytest.raises(ApprovalError, match="not issued for this request's execution"):
        approval.decide_request("req-1", True, table_name="requests", clients=aws["clients"])


def test_an_expired_task_withdraws_the_recorded_decision(aws: dict[str, Any]) -> None:
    awaiting(aws, "tok-4")
    aws["stubber"].add_client_error("send_task_success", "TaskTimedOut")
    with pytest.raises(ApprovalError, match="expired or was already decided"):
        approval.decide_request("req-1", True, table_name="requests", clients=aws["clients"])
    item = aws["dynamodb"].get_item(TableName="requests", Key={"requestId": {"S": "req-1"}})["Item"]
    assert "approvalDecision" not in item


def test_the_cli_reports_an_unknown_request_without_a_traceback(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert approval.main(["approve", "req-404", "--table", "requests"]) == 1
    assert "request req-404 is unknown" in capsys.readouterr().err
