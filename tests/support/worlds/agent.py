"""The deployed agent stack inside a LocalRunner: seed what its tools read (the RAG index, the order
saga's status table, a circuit), capture AnswerPublished events, read the runs bucket and tables."""

from __future__ import annotations

import json
import time
from typing import Any

from localrun import LocalRunner
from localrun.emulation import titan

# What the samples and tests ask the tools about.
KNOWLEDGE = (
    ("refunds#0", "refunds.md", "Refunds are paid within 30 days of the return."),
    ("shipping#0", "shipping.md", "Express orders ship the next business day."),
)
ORDER_ID = "order-1001"
ORDER_STATUS = {"status": "SHIPPED", "step": "Ship", "updatedAt": "2026-12-01T10:00:00Z"}


def _exporter_resource(runner: LocalRunner, construct_path: str) -> Any:
    """A resource of the first exporting stack (rag, orders) that has `construct_path`."""
    for stack in runner.exporters:
        try:
            return runner.resource(construct_path, stack=stack)
        except KeyError:
            continue
    raise KeyError(f"no exporting stack of the agent has {construct_path!r}")


def seed_knowledge(runner: LocalRunner) -> None:
    """Index KNOWLEDGE in the RAG workflow's vector index, embedded as localrun's Titan emulation
    embeds a query, with the metadata rag's upsert writes."""
    index = _exporter_resource(runner, "Workflow/Vectors/Index")
    dimensions = int(index.attributes.get("Dimension", 0) or 0) or _dimension(runner, index)
    vectors = [
        {
            "key": key,
            "data": {"float32": titan.embed({"inputText": text, "dimensions": dimensions})["embedding"]},
            "metadata": {"source": f"s3://docs/{source}", "excerpt": text},
        }
        for key, source, text in KNOWLEDGE
    ]
    runner.client("s3vectors").put_vectors(indexArn=index.attributes["IndexArn"], vectors=vectors)


def _dimension(runner: LocalRunner, index: Any) -> int:
    found = runner.client("s3vectors").get_index(indexArn=index.attributes["IndexArn"])
    return int(found["index"]["dimension"])


def seed_order(runner: LocalRunner) -> None:
    """One order in the saga's status table, as the saga records it."""
    table = _exporter_resource(runner, "Workflow/OrderStatus").name
    item = {"orderId": ORDER_ID, **ORDER_STATUS}
    runner.client("dynamodb").put_item(TableName=table, Item={k: {"S": v} for k, v in item.items()})


def knowledge_and_orders(runner: LocalRunner, sample: Any = None) -> None:
    """Sample setup: what search_knowledge_base and lookup_order read."""
    seed_knowledge(runner)
    seed_order(runner)


def open_circuit(runner: LocalRunner, sample: Any = None, tool: str = "fetch_url") -> None:
    """Sample setup: `tool`'s circuit opened a moment ago (its cool-down far from over)."""
    now = int(time.time())
    AgentWorld(runner).put_breaker(tool, state="OPEN", openUntil=now + 3600, failures=0, windowStart=now)


class AgentWorld:
    """The agent's runs bucket, Requests and Breakers tables, and its AnswerPublished events."""

    def __init__(self, runner: LocalRunner) -> None:
        self.runner = runner
        self.s3 = runner.client("s3")
        self.dynamodb = runner.client("dynamodb")
        self.bucket = runner.resource("Workflow/Runs").name
        self.requests_table = runner.resource("Workflow/Requests").name
        self.breakers_table = runner.resource("Workflow/Breakers").name

    def capture_events(self) -> str:
        """A queue receiving every `stepwise.agent` event on the default bus (call before the run)."""
        sqs, events = self.runner.client("sqs"), self.runner.client("events")
        url = sqs.create_queue(QueueName="agent-events")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="agent-answers", EventPattern=json.dumps({"source": ["stepwise.agent"]}))
        events.put_targets(Rule="agent-answers", Targets=[{"Id": "queue", "Arn": arn}])
        return url

    def events(self, queue_url: str) -> list[dict[str, Any]]:
        """The captured events (drained)."""
        sqs = self.runner.client("sqs")
        found: list[dict[str, Any]] = []
        while True:
            messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return found
            for message in messages:
                found.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

    def keys(self, prefix: str) -> list[str]:
        listing = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def json_object(self, key: str) -> Any:
        return json.loads(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def request(self, request_id: str) -> dict[str, Any]:
        item = self.dynamodb.get_item(TableName=self.requests_table, Key={"requestId": {"S": request_id}})
        return {name: next(iter(value.values())) for name, value in item.get("Item", {}).items()}

    def breaker(self, tool: str) -> dict[str, Any]:
        item = self.dynamodb.get_item(TableName=self.breakers_table, Key={"tool": {"S": tool}})
        return {name: next(iter(value.values())) for name, value in item.get("Item", {}).items()}

    def put_breaker(self, tool: str, state: str, **numbers: int) -> None:
        item = {"tool": {"S": tool}, "state": {"S": state}, **{k: {"N": str(v)} for k, v in numbers.items()}}
        self.dynamodb.put_item(TableName=self.breakers_table, Item=item)
