"""Request approval: the token is parked on the status item encrypted for this order's execution;
the reviewers get the order, why it needs review and the commands to run, never the token."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from orders import request_approval

from shared.errors import InvalidInput
from tests.lambdas.orders.conftest import EXECUTION_ID, STATUS_TABLE, Aws, call

REQUEST = {
    "orderId": "o-7",
    "customerId": "c-1",
    "total": "1500.00",
    "currency": "USD",
    "approvalReason": "CUSTOMER_SPEND",
    "spendInWindow": "1700.00",
    "taskToken": "token-abc",
}


def seed_status(aws: Aws) -> None:
    aws.dynamodb.put_item(
        TableName=STATUS_TABLE,
        Item={
            "orderId": {"S": "o-7"},
            "status": {"S": "IN_PROGRESS"},
            "step": {"S": "X"},
            "executionId": {"S": EXECUTION_ID},
        },
    )


def test_stores_the_token_and_notifies_reviewers(aws: Aws) -> None:
    seed_status(aws)
    result = call(request_approval.handler, REQUEST, "RequestApproval")
    assert result["status"] == "AWAITING_APPROVAL"
    item = aws.dynamodb.get_item(TableName=STATUS_TABLE, Key={"orderId": {"S": "o-7"}})["Item"]
    assert item["status"]["S"] == "AWAITING_APPROVAL"
    assert item["step"]["S"] == "APPROVAL"
    ciphertext = item["approvalTokenCiphertext"]["B"]
    assert b"token-abc" not in ciphertext, "the token is stored encrypted"
    context = {"orderId": "o-7", "executionId": EXECUTION_ID}
    assert aws.kms.decrypt(CiphertextBlob=ciphertext, EncryptionContext=context)["Plaintext"] == b"token-abc"
    with pytest.raises(ClientError, match="InvalidCiphertext"):
        aws.kms.decrypt(CiphertextBlob=ciphertext, EncryptionContext={**context, "orderId": "o-8"})
    assert item["approvalExpiresAt"]["S"] == result["expiresAt"]
    assert item["approvalReason"]["S"] == "CUSTOMER_SPEND"
    [message] = aws.approval_messages()
    assert "taskToken" not in message and "token-abc" not in json.dumps(message)
    assert message["total"] == "1500.00" and message["currency"] == "USD"
    assert (message["reason"], message["customerSpendInWindow"]) == ("CUSTOMER_SPEND", "1700.00")
    assert message["approve"] == "python -m scripts.orders.approval approve o-7 --env test"
    assert message["reject"] == "python -m scripts.orders.approval reject o-7 --env test"


def test_refuses_an_order_without_a_status_item(aws: Aws) -> None:
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        call(request_approval.handler, REQUEST, "RequestApproval")
    assert aws.approval_messages() == []


def test_refuses_an_order_another_execution_owns(aws: Aws) -> None:
    seed_status(aws)
    aws.dynamodb.update_item(
        TableName=STATUS_TABLE,
        Key={"orderId": {"S": "o-7"}},
        UpdateExpression="SET executionId = :other",
        ExpressionAttributeValues={":other": {"S": "arn:other-execution"}},
    )
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        call(request_approval.handler, REQUEST, "RequestApproval")
    assert aws.approval_messages() == []


def test_requires_the_task_token(aws: Aws) -> None:
    with pytest.raises(InvalidInput, match="taskToken"):
        call(request_approval.handler, {**REQUEST, "taskToken": None}, "RequestApproval")
