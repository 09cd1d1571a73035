"""moto set-up for the order-saga handlers: the tables and topic as the stack defines them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws
from orders import contract

STATUS_TABLE = "orders-status"
PERSONAL_DATA_TABLE = "orders-personal-data"
INVENTORY_TABLE = "orders-inventory"
LEDGER_TABLE = "orders-ledger"
SHIPMENTS_TABLE = "orders-shipments"
IDEMPOTENCY_TABLE = "orders-idempotency"
CATALOG_TABLE = "orders-catalog"
SPEND_TABLE = "orders-spend"
TABLES = {
    CATALOG_TABLE: ["sku"],
    SPEND_TABLE: ["customerId", "currency"],
    STATUS_TABLE: ["orderId"],
    PERSONAL_DATA_TABLE: ["orderId"],
    INVENTORY_TABLE: ["sku"],
    LEDGER_TABLE: ["pk", "sk"],
    SHIPMENTS_TABLE: ["orderId"],
    IDEMPOTENCY_TABLE: ["id"],
}
EXECUTION_ID = "arn:aws:states:us-east-1:123456789012:execution:OrderSaga:order-o-1"

ENVIRONMENT = {
    contract.CURRENCIES_ENV: json.dumps(
        {
            "USD": {"minorUnits": 2, "approvalThreshold": "1000"},
            "EUR": {"minorUnits": 2, "approvalThreshold": "1000"},
            "JPY": {"minorUnits": 0, "approvalThreshold": "150000"},
        }
    ),
    contract.MAX_ITEMS_ENV: "5",
    contract.MAX_QUANTITY_ENV: "100",
    contract.STATUS_TABLE_ENV: STATUS_TABLE,
    contract.CATALOG_TABLE_ENV: CATALOG_TABLE,
    contract.SPEND_TABLE_ENV: SPEND_TABLE,
    contract.SPEND_WINDOW_ENV: "86400",
    contract.PERSONAL_DATA_TABLE_ENV: PERSONAL_DATA_TABLE,
    contract.LEDGER_TABLE_ENV: LEDGER_TABLE,
    contract.SHIPMENTS_TABLE_ENV: SHIPMENTS_TABLE,
    contract.IDEMPOTENCY_TABLE_ENV: IDEMPOTENCY_TABLE,
    contract.IDEMPOTENCY_TTL_ENV: "3600",
    contract.PAYMENT_ADAPTER_ENV: "ledger",
    contract.SHIPPING_COUNTRIES_ENV: "US,GB,DE",
    contract.APPROVAL_TIMEOUT_ENV: "3600",
    "STEPWISE_ENV": "test",
    "POWERTOOLS_SERVICE_NAME": "orders-tests",
}


@dataclass
class FakeContext:
    function_name: str = "orders-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:orders-test"
    aws_request_id: str = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def envelope(task_input: dict[str, Any], state: str = "Task") -> dict[str, Any]:
    return {"input": task_input, "executionId": EXECUTION_ID, "stateName": state}


def call(handler: Any, task_input: dict[str, Any], state: str = "Task") -> Any:
    """Invoke a task handler the way invoke_lambda does."""
    return handler(envelope(task_input, state), FakeContext())


def _create_table(client: Any, name: str, keys: list[str]) -> None:
    schema = [{"AttributeName": keys[0], "KeyType": "HASH"}]
    if len(keys) > 1:
        schema.append({"AttributeName": keys[1], "KeyType": "RANGE"})
    client.create_table(
        TableName=name,
        KeySchema=schema,
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key in keys],
        BillingMode="PAY_PER_REQUEST",
    )


@dataclass
class Aws:
    """Handles on the mocked account, for seeding and asserting."""

    dynamodb: Any
    sns: Any
    sqs: Any
    approval_topic_arn: str
    approval_inbox_url: str
    kms: Any
    approval_token_key: str

    def put_product(self, sku: str, price_minor: int, *, currency: str = "USD", active: bool = True) -> None:
        self.dynamodb.put_item(
            TableName=CATALOG_TABLE,
            Item={
                "sku": {"S": sku},
                "priceMinor": {"N": str(price_minor)},
                "currency": {"S": currency},
                "active": {"BOOL": active},
            },
        )

    def put_account(
        self,
        token: str,
        balance_minor: int,
        *,
        currency: str = "USD",
        status: str = "ACTIVE",
        customer_id: str | None = "c-1",
    ) -> None:
        item = {
            "pk": {"S": f"ACCOUNT#{token}"},
            "sk": {"S": "ACCOUNT"},
            "balanceMinor": {"N": str(balance_minor)},
            "currency": {"S": currency},
            "status": {"S": status},
        }
        if customer_id:
            item["customerId"] = {"S": customer_id}
        self.dynamodb.put_item(TableName=LEDGER_TABLE, Item=item)

    def put_personal_data(
        self, order_id: str, token: str = "pm_alice", address: dict[str, str] | None = None
    ) -> None:
        """The item Validate stores for an order: its shipping address and payment token."""
        address = address or {
            "name": "Ada",
            "line1": "10 Downing St",
            "city": "London",
            "postalCode": "SW1A 2AA",
            "country": "GB",
        }
        self.dynamodb.put_item(
            TableName=PERSONAL_DATA_TABLE,
            Item={
                "orderId": {"S": order_id},
                "executionId": {"S": EXECUTION_ID},
                "shippingAddress": {"M": {key: {"S": value} for key, value in address.items()}},
                "paymentToken": {"S": token},
            },
        )

    def balance(self, token: str) -> int:
        item = self.dynamodb.get_item(
            TableName=LEDGER_TABLE, Key={"pk": {"S": f"ACCOUNT#{token}"}, "sk": {"S": "ACCOUNT"}}
        )["Item"]
        return int(item["balanceMinor"]["N"])

    def ledger_entries(self, order_id: str) -> dict[str, dict[str, Any]]:
        items = self.dynamodb.query(
            TableName=LEDGER_TABLE,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"ORDER#{order_id}"}},
        )["Items"]
        return {item["sk"]["S"]: item for item in items}

    def scan(self, table: str) -> list[dict[str, Any]]:
        return list(self.dynamodb.scan(TableName=table)["Items"])

    def approval_messages(self) -> list[dict[str, Any]]:
        """Receive (and delete) the approval requests published so far."""
        response = self.sqs.receive_message(
            QueueUrl=self.approval_inbox_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        )
        messages = response.get("Messages", [])
        for message in messages:
            self.sqs.delete_message(QueueUrl=self.approval_inbox_url, ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(message["Body"]) for message in messages]


@pytest.fixture(scope="module")
def _account() -> Iterator[Aws]:
    """One mocked account per test module (tables, topic and inbox are created once)."""
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        for name, keys in TABLES.items():
            _create_table(dynamodb, name, keys)
        sns = boto3.client("sns", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        topic_arn = sns.create_topic(Name="approvals")["TopicArn"]
        inbox = sqs.create_queue(QueueName="approval-inbox")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=inbox_arn,
            Attributes={"RawMessageDelivery": "true"},
        )
        kms = boto3.client("kms", region_name="us-east-1")
        key = kms.create_key(Description="approval tokens")["KeyMetadata"]["Arn"]
        yield Aws(dynamodb, sns, sqs, topic_arn, inbox, kms, key)


@pytest.fixture
def aws(_account: Aws, monkeypatch: pytest.MonkeyPatch) -> Aws:
    """The module's account, emptied, with the handlers' environment set."""
    environment = {
        **ENVIRONMENT,
        contract.APPROVAL_TOPIC_ENV: _account.approval_topic_arn,
        contract.APPROVAL_TOKEN_KEY_ENV: _account.approval_token_key,
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    for name, keys in TABLES.items():
        for item in _account.scan(name):
            _account.dynamodb.delete_item(TableName=name, Key={key: item[key] for key in keys})
    while _account.approval_messages():
        pass
    return _account
