"""Await operator: a parked order's task token is stored encrypted for this order's execution, an
earlier answer is cleared, and an order another execution owns is refused."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from orders import await_operator, contract

from shared.errors import InvalidInput
from tests.lambdas.orders.conftest import EXECUTION_ID, STATUS_TABLE, Aws, call

PARKED = {
    "orderId": "o-7",
    "step": "REFUND_PAYMENT",
    "error": "PaymentProviderUnavailable",
    "taskToken": "tok",
}


@pytest.fixture
def operator_key(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> str:
    key = aws.kms.create_key(Description="operator tokens")["KeyMetadata"]["Arn"]
    monkeypatch.setenv(contract.OPERATOR_TOKEN_KEY_ENV, key)
    monkeypatch.setenv(contract.PARKED_TIMEOUT_ENV, str(14 * 86_400))
    return str(key)


def seed_status(aws: Aws, execution: str = EXECUTION_ID) -> None:
    aws.dynamodb.put_item(
        TableName=STATUS_TABLE,
        Item={
            "orderId": {"S": "o-7"},
            "status": {"S": "COMPENSATING"},
            "step": {"S": "REFUND_PAYMENT"},
            "executionId": {"S": execution},
            "parkedDecision": {"S": "RETRY"},  # the answer to an earlier parking of this execution
            "parkedOperator": {"S": "arn:aws:sts::123456789012:assumed-role/op/olga"},
        },
    )


def status(aws: Aws) -> dict[str, dict[str, object]]:
    return dict(aws.dynamodb.get_item(TableName=STATUS_TABLE, Key={"orderId": {"S": "o-7"}})["Item"])


def test_stores_the_token_encrypted_for_this_execution_and_clears_an_earlier_answer(
    aws: Aws, operator_key: str
) -> None:
    seed_status(aws)
    result = call(await_operator.handler, PARKED, "AwaitOperator")
    item = status(aws)
    assert (item["status"], item["step"]) == ({"S": "NEEDS_ATTENTION"}, {"S": "REFUND_PAYMENT"})
    assert item["attentionError"] == {"S": "PaymentProviderUnavailable"}
    assert item["parkedExpiresAt"] == {"S": result["expiresAt"]}
    assert "parkedDecision" not in item and "parkedOperator" not in item
    ciphertext = item["parkedTokenCiphertext"]["B"]
    assert isinstance(ciphertext, bytes) and b"tok" not in ciphertext
    context = {"orderId": "o-7", "executionId": EXECUTION_ID}
    assert aws.kms.decrypt(CiphertextBlob=ciphertext, EncryptionContext=context)["Plaintext"] == b"tok"
    with pytest.raises(ClientError, match="InvalidCiphertext"):
        aws.kms.decrypt(CiphertextBlob=ciphertext, EncryptionContext={**context, "executionId": "other"})


def test_refuses_an_order_another_execution_owns(aws: Aws, operator_key: str) -> None:
    seed_status(aws, execution="arn:aws:states:us-east-1:123456789012:execution:OrderSaga:someone-else")
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        call(await_operator.handler, PARKED, "AwaitOperator")
    assert "parkedTokenCiphertext" not in status(aws)


def test_a_missing_field_is_named(aws: Aws, operator_key: str) -> None:
    with pytest.raises(InvalidInput, match="step: required string"):
        call(await_operator.handler, {**PARKED, "step": None}, "AwaitOperator")
