"""The deployed RAG stack inside a LocalRunner: seed the sample corpus, read reports, index, registry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from localrun import LocalRunner

CORPUS = Path(__file__).resolve().parents[3] / "examples" / "rag" / "corpus"
PREFIX = "documents/"
VALID = ("getting-started.html", "handbook.pdf", "release-notes.txt", "runbook-copy.md", "runbook.md")
UNSUPPORTED = "architecture.rtf"


class RagWorld:
    """Buckets, registry, vector index and event capture of the RAG stack in the runner's moto."""

    def __init__(self, runner: LocalRunner) -> None:
        self.runner = runner
        self.s3 = runner.client("s3")
        self.vectors = runner.client("s3vectors")
        self.dynamodb = runner.client("dynamodb")
        self.sources = runner.resource("Workflow/Sources").name
        self.artifacts = runner.resource("Workflow/Artifacts").name
        self.registry = runner.resource("Workflow/DocumentRegistry").name
        self.index_arn = runner.resource("Workflow/Vectors/Index").attributes["IndexArn"]
        self.events_queue = self._capture_events()

    def _capture_events(self) -> str:
        sqs, events = self.runner.client("sqs"), self.runner.client("events")
        url = sqs.create_queue(QueueName="rag-ingestion-events")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="rag-completed", EventPattern=json.dumps({"source": ["stepwise.rag"]}))
        events.put_targets(Rule="rag-completed", Targets=[{"Id": "queue", "Arn": arn}])
        return url

    def reset(self) -> None:
        for bucket in (self.sources, self.artifacts):
            listing = self.s3.list_object_versions(Bucket=bucket)
            for entry in listing.get("Versions", []) + listing.get("DeleteMarkers", []):
                self.s3.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])
        for item in self.dynamodb.scan(TableName=self.registry).get("Items", []):
            self.dynamodb.delete_item(TableName=self.registry, Key={"source": item["source"]})
        keys = self.vector_keys()
        if keys:
            self.vectors.delete_vectors(indexArn=self.index_arn, keys=keys)
        self.events()

    def seed_corpus(self) -> None:
        for path in sorted(CORPUS.iterdir()):
            self.put(path.name, path.read_bytes())

    def put(self, name: str, body: bytes) -> None:
        self.s3.put_object(Bucket=self.sources, Key=PREFIX + name, Body=body)

    def source(self, name: str) -> str:
        return f"s3://{self.sources}/{PREFIX}{name}"

    def report(self, result: Any) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """(summary, lines by file name) of a finished run, succeeded or failed (its name is the run id)."""
        from rag import layout

        summary_key, documents_key = layout.report_keys(result.name)
        summary = json.loads(self._read(summary_key))
        lines = [json.loads(line) for line in self._read(documents_key).decode().splitlines()]
        return summary, {line["source"].rsplit("/", 1)[-1]: line for line in lines}

    def _read(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=self.artifacts, Key=key)["Body"].read()

    def vector_keys(self) -> list[str]:
        return sorted(
            vector["key"] for vector in self.vectors.list_vectors(indexArn=self.index_arn)["vectors"]
        )

    def document_keys(self, name: str) -> list[str]:
        from rag import documents

        prefix = documents.document_id(self.source(name)) + "#"
        return [key for key in self.vector_keys() if key.startswith(prefix)]

    def registry_item(self, name: str) -> dict[str, Any]:
        from boto3.dynamodb.types import TypeDeserializer

        item = self.dynamodb.get_item(TableName=self.registry, Key={"source": {"S": self.source(name)}})[
            "Item"
        ]
        return {key: TypeDeserializer().deserialize(value) for key, value in item.items()}

    def events(self) -> list[dict[str, Any]]:
        """IngestionCompleted events delivered since the last call."""
        sqs = self.runner.client("sqs")
        received = sqs.receive_message(QueueUrl=self.events_queue, MaxNumberOfMessages=10).get("Messages", [])
        for message in received:
            sqs.delete_message(QueueUrl=self.events_queue, ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(message["Body"]) for message in received]
