"""DynamoDB conditional writes and transactions are atomic across threads, as DynamoDB makes them.

From the DynamoDB Developer Guide: a conditional write succeeds only if the item's attributes meet
the condition, evaluated and applied as one operation ("Condition expressions"), and a
TransactWriteItems request succeeds or fails as a whole ("Amazon DynamoDB Transactions: How it
works"). Two concurrent `attribute_not_exists` puts of one key: exactly one wins.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from localrun import engine

ROUNDS = 40
TABLE = "Guards"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    engine.install()
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show up at once
    try:
        with mock_aws():
            client = boto3.client("dynamodb", region_name="us-east-1")
            client.create_table(
                TableName=TABLE,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
            yield client
    finally:
        sys.setswitchinterval(previous)


def race(contenders: int, attempt: Callable[[int], None]) -> list[str]:
    """Run `attempt(i)` on `contenders` threads released together; each one's outcome."""
    barrier = threading.Barrier(contenders)
    outcomes = ["" for _ in range(contenders)]

    def contend(index: int) -> None:
        barrier.wait()
        try:
            attempt(index)
            outcomes[index] = "ok"
        except ClientError as error:
            outcomes[index] = error.response["Error"]["Code"]

    threads = [threading.Thread(target=contend, args=(index,)) for index in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_concurrent_conditional_puts_of_one_key_let_exactly_one_win(dynamodb: Any) -> None:
    for round_number in range(ROUNDS):
        key = f"order-{round_number}"

        def put(index: int, key: str = key) -> None:
            dynamodb.put_item(
                TableName=TABLE,
                Item={"pk": {"S": key}, "owner": {"N": str(index)}},
                ConditionExpression="attribute_not_exists(pk)",
            )

        outcomes = race(3, put)

        assert sorted(outcomes) == ["ConditionalCheckFailedException"] * 2 + ["ok"], round_number
        stored = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": key}})["Item"]
        assert int(stored["owner"]["N"]) == outcomes.index("ok")


def test_concurrent_transactions_guarding_one_key_let_exactly_one_commit(dynamodb: Any) -> None:
    for round_number in range(ROUNDS):
        guard, effect = f"guard-{round_number}", f"effect-{round_number}"

        def transact(index: int, guard: str = guard, effect: str = effect) -> None:
            dynamodb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": TABLE,
                            "Item": {"pk": {"S": guard}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": TABLE,
                            "Key": {"pk": {"S": effect}},
                            "UpdateExpression": "ADD applied :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        }
                    },
                ]
            )

        outcomes = race(3, transact)

        assert sorted(outcomes) == ["TransactionCanceledException"] * 2 + ["ok"], round_number
        stored = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": effect}})["Item"]
        assert stored["applied"] == {"N": "1"}


def test_concurrent_counter_updates_are_all_applied(dynamodb: Any) -> None:
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "counter"}, "n": {"N": "0"}})

    def increment(index: int) -> None:
        for _ in range(20):
            dynamodb.update_item(
                TableName=TABLE,
                Key={"pk": {"S": "counter"}},
                UpdateExpression="SET n = n + :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )

    assert race(4, increment) == ["ok"] * 4
    assert dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "counter"}})["Item"]["n"] == {"N": "80"}
