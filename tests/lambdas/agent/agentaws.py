"""The agent handlers' moto account (tables, bucket, bus, topic, key) and helpers to drive them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

REGION = "us-east-1"
EXECUTION_ID = "arn:aws:states:us-east-1:123456789012:execution:Agent:run-1"
OTHER_EXECUTION_ID = "arn:aws:states:us-east-1:123456789012:execution:Agent:run-2"
RUNS_BUCKET = "agent-runs"
REQUESTS_TABLE = "agent-requests"
BREAKERS_TABLE = "agent-breakers"
IDEMPOTENCY_TABLE = "agent-idempotency"
ORDERS_TABLE = "orders-status"
EVENT_BUS = "agent-bus"
TABLES = {
    REQUESTS_TABLE: "requestId",
    BREAKERS_TABLE: "tool",
    IDEMPOTENCY_TABLE: "id",
    ORDERS_TABLE: "orderId",
}
MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0"
LIMITS = {"maxRounds": 3, "maxTokens": 20000, "maxCostUsd": 0.5, "maxRevisions": 1, "maxToolCallsPerRound": 5}
ENVIRONMENT = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "RUNS_BUCKET": RUNS_BUCKET,
    "REQUESTS_TABLE": REQUESTS_TABLE,
    "BREAKERS_TABLE": BREAKERS_TABLE,
    "IDEMPOTENCY_TABLE": IDEMPOTENCY_TABLE,
    "EVENT_BUS_NAME": EVENT_BUS,
    "APPROVAL_TIMEOUT_SECONDS": "3600",
    "MODEL_ID": MODEL_ID,
    "INFERENCE_CONFIG": json.dumps({"maxTokens": 1024, "temperature": 0.2}),
    "SYSTEM_PROMPT": "Answer with the tools; cite results as [toolUseId].",
    "MODEL_PRICES": json.dumps({"inputPer1kTokens": 0.0008, "outputPer1kTokens": 0.004}),
    "AGENT_LIMITS": json.dumps(LIMITS),
    "ENABLED_TOOLS": "search_knowledge_base,lookup_order,fetch_url,calculator",
    "GUARDRAIL_ID": "gr-123",
    "GUARDRAIL_VERSION": "1",
    "CIRCUIT_BREAKER": json.dumps(
        {
            "failureThreshold": 3,
            "windowSeconds": 300,
            "coolDownSeconds": 120,
            "maxWaitSeconds": 30,
            "probeTimeoutSeconds": 60,
        }
    ),
    "PLAN_CORRECTIONS": "1",
    "VECTOR_INDEX_ARN": "arn:aws:s3vectors:us-east-1:123456789012:bucket/rag-vectors/index/chunks",
    "EMBEDDING_MODEL_ID": "amazon.titan-embed-text-v2:0",
    "EMBEDDING_DIMENSIONS": "4",
    "ORDERS_STATUS_TABLE": ORDERS_TABLE,
    "FETCH_ALLOWED_HOSTS": "docs.example.com",
    "FETCH_MAX_BYTES": "1000",
    "FETCH_TIMEOUT_SECONDS": "5",
    "STEPWISE_ENV": "test",
    "POWERTOOLS_SERVICE_NAME": "agent-tests",
}


@dataclass
class Account:
    """Handles on the mocked account, for seeding and asserting."""

    dynamodb: Any
    s3: Any
    sqs: Any
    kms: Any
    approval_topic_arn: str
    approval_inbox_url: str
    events_inbox_url: str
    approval_token_key: str

    def item(self, table: str, key: str) -> dict[str, Any] | None:
        name = TABLES[table]
        found: dict[str, Any] | None = self.dynamodb.get_item(TableName=table, Key={name: {"S": key}}).get(
            "Item"
        )
        return found

    def keys(self, prefix: str) -> list[str]:
        listed = self.s3.list_objects_v2(Bucket=RUNS_BUCKET, Prefix=prefix).get("Contents", [])
        return [entry["Key"] for entry in listed]

    def json_object(self, key: str) -> Any:
        return json.loads(self.s3.get_object(Bucket=RUNS_BUCKET, Key=key)["Body"].read())

    def put_json(self, key: str, document: Any) -> None:
        self.s3.put_object(Bucket=RUNS_BUCKET, Key=key, Body=json.dumps(document).encode())

    def drain(self, queue_url: str) -> list[dict[str, Any]]:
        """Receive (and delete) every message of the queue, bodies parsed."""
        bodies: list[dict[str, Any]] = []
        while True:
            messages = self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not messages:
                return bodies
            for message in messages:
                self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                bodies.append(json.loads(message["Body"]))

    def clear(self) -> None:
        for table, name in TABLES.items():
            for item in self.dynamodb.scan(TableName=table)["Items"]:
                self.dynamodb.delete_item(TableName=table, Key={name: item[name]})
        for key in self.keys(""):
            self.s3.delete_object(Bucket=RUNS_BUCKET, Key=key)
        self.drain(self.approval_inbox_url)
        self.drain(self.events_inbox_url)


def _queue_arn(sqs: Any, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


def account() -> Account:
    """Create the resources the agent construct would (inside an active mock_aws)."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for table, name in TABLES.items():
        dynamodb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": name, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=RUNS_BUCKET)
    sqs = boto3.client("sqs", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="agent-approvals")["TopicArn"]
    approvals = sqs.create_queue(QueueName="approval-inbox")["QueueUrl"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=_queue_arn(sqs, approvals),
        Attributes={"RawMessageDelivery": "true"},
    )
    events = boto3.client("events", region_name=REGION)
    events.create_event_bus(Name=EVENT_BUS)
    published = sqs.create_queue(QueueName="published-inbox")["QueueUrl"]
    events.put_rule(
        Name="all", EventBusName=EVENT_BUS, EventPattern=json.dumps({"source": ["stepwise.agent"]})
    )
    events.put_targets(
        Rule="all", EventBusName=EVENT_BUS, Targets=[{"Id": "inbox", "Arn": _queue_arn(sqs, published)}]
    )
    kms = boto3.client("kms", region_name=REGION)
    key = kms.create_key(Description="approval tokens")["KeyMetadata"]["Arn"]
    return Account(dynamodb, s3, sqs, kms, topic, approvals, published, key)
