"""RequestApproval: the token stored only encrypted for this request and execution, reviewers told
what to decide without the token; the reviewer's script decides through it."""

from __future__ import annotations

import pytest
from agent import request_approval
from agent.errors import InvalidRequest

from tests.lambdas.agent.agentaws import EXECUTION_ID, REQUESTS_TABLE, Account
from tests.lambdas.agent.conftest import call

TOKEN = "AQCEAAAAKgAAAA-secret-task-token"
EVENT = {
    "taskToken": TOKEN,
    "request": {"requestId": "req-1", "task": "secret task"},
    "draft": {"key": "drafts/req-1/01.json", "revision": 1},
}


@pytest.fixture
def running(aws: Account) -> Account:
    aws.dynamodb.put_item(
        TableName=REQUESTS_TABLE,
        Item={
            "requestId": {"S": "req-1"},
            "status": {"S": "RUNNING"},
            "executionId": {"S": EXECUTION_ID},
            "approvalDecision": {"S": "REJECTED"},
        },
    )
    return aws


def test_the_token_is_stored_encrypted_and_the_message_names_the_draft_not_the_token(
    running: Account,
) -> None:
    result = call(request_approval.handler, EVENT)
    assert result["status"] == "AWAITING_APPROVAL"
    item = running.item(REQUESTS_TABLE, "req-1")
    assert item["status"]["S"] == "AWAITING_APPROVAL" and "approvalDecision" not in item
    ciphertext = item["approvalTokenCiphertext"]["B"]
    context = {"requestId": "req-1", "executionId": EXECUTION_ID}
    assert (
        running.kms.decrypt(CiphertextBlob=ciphertext, EncryptionContext=context)["Plaintext"]
        == TOKEN.encode()
    )
    with pytest.raises(running.kms.exceptions.InvalidCiphertextException):
        running.kms.decrypt(CiphertextBlob=ciphertext, EncryptionContext={**context, "requestId": "req-2"})
    [message] = running.drain(running.approval_inbox_url)
    assert message["draftKey"] == "drafts/req-1/01.json" and message["revision"] == 1
    assert message["approve"] == "python -m scripts.agent.approval approve req-1 --env test"
    assert TOKEN not in str(message) and "secret task" not in str(message)


def test_another_executions_request_is_not_touched(running: Account) -> None:
    from botocore.exceptions import ClientError

    running.dynamodb.update_item(
        TableName=REQUESTS_TABLE,
        Key={"requestId": {"S": "req-1"}},
        UpdateExpression="SET executionId = :other",
        ExpressionAttributeValues={":other": {"S": "arn:other"}},
    )
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        call(request_approval.handler, EVENT)
    assert running.drain(running.approval_inbox_url) == []


def test_a_missing_draft_key_is_named(running: Account) -> None:
    with pytest.raises(InvalidRequest, match=r"draft\.key"):
        call(request_approval.handler, {**EVENT, "draft": {}})
