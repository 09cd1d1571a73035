"""scripts.orders.parked on moto: an answer goes through the shared decider (scripts/approvals.py)
with the operator's attributes: a refused delivery withdraws it, a parked order without a token
is not answerable, and the recorded answer names the operator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from scripts.orders.parked import Clients, ParkedOrderError, ParkedOrders

EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:orders:o-1"


@pytest.fixture
def parked() -> Iterator[tuple[ParkedOrders, Any]]:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        session = boto3.Session(region_name="us-east-1")
        clients = Clients.default(session)
        clients.dynamodb.create_table(
            TableName="status",
            KeySchema=[{"AttributeName": "orderId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "orderId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield ParkedOrders("status", clients), clients.kms.create_key()["KeyMetadata"]["KeyId"]


def put_parked(orders: ParkedOrders, key_id: str, order_id: str, token: str | None) -> None:
    """A NEEDS_ATTENTION status item as AwaitOperator leaves it, its token encrypted when given."""
    item = {
        "orderId": {"S": order_id},
        "status": {"S": "NEEDS_ATTENTION"},
        "executionId": {"S": EXECUTION},
        "step": {"S": "REFUND_PAYMENT"},
    }
    if token is not None:
        context = {"orderId": order_id, "executionId": EXECUTION}
        blob = orders.clients.kms.encrypt(KeyId=key_id, Plaintext=token.encode(), EncryptionContext=context)
        item["parkedTokenCiphertext"] = {"B": blob["CiphertextBlob"]}
    orders.clients.dynamodb.put_item(TableName="status", Item=item)


def status(orders: ParkedOrders, order_id: str) -> dict[str, Any]:
    key = {"orderId": {"S": order_id}}
    return dict(orders.clients.dynamodb.get_item(TableName="status", Key=key)["Item"])


def test_an_answer_the_service_refuses_is_withdrawn(parked: tuple[ParkedOrders, Any]) -> None:
    orders, key_id = parked
    put_parked(orders, key_id, "o-1", token="not-a-live-token")

    with pytest.raises(
        ParkedOrderError, match="o-1: its wait for an operator expired or was already answered"
    ):
        orders.answer("o-1", "retry", comment="fixed")

    item = status(orders, "o-1")
    assert not {"parkedDecision", "parkedOperator", "parkedOperatorId", "parkedComment"} & set(item)
    assert "parkedTokenCiphertext" in item and orders.get("o-1").waiting


def test_a_parked_order_without_a_token_is_not_answerable(parked: tuple[ParkedOrders, Any]) -> None:
    orders, key_id = parked
    put_parked(orders, key_id, "o-2", token=None)

    with pytest.raises(ParkedOrderError, match="order o-2 is not waiting for an operator"):
        orders.answer("o-2", "give-up", comment="nothing to answer")
    assert "parkedDecision" not in status(orders, "o-2")


def test_an_answer_already_recorded_is_refused_before_decrypting(parked: tuple[ParkedOrders, Any]) -> None:
    orders, key_id = parked
    put_parked(orders, key_id, "o-3", token="t")
    orders.clients.dynamodb.update_item(
        TableName="status",
        Key={"orderId": {"S": "o-3"}},
        UpdateExpression="SET parkedDecision = :d",
        ExpressionAttributeValues={":d": {"S": "GIVE_UP"}},
    )

    with pytest.raises(ParkedOrderError, match=r"order o-3 was already answered \(GIVE_UP\)"):
        orders.answer("o-3", "retry")
    assert status(orders, "o-3")["parkedDecision"] == {"S": "GIVE_UP"}
