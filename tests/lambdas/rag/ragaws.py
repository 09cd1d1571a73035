"""moto set-up and test doubles for the rag handlers.

moto covers S3, DynamoDB and most of S3 Vectors. Two gaps are filled here, and only here:
- `QueryableVectors` adds QueryVectors (missing from moto 5.2.5) on top of moto's stored vectors:
  exact cosine/euclidean search over `list_vectors`, with the `$and`/`$eq` filters the workflow
  uses. Every other call goes to moto unchanged.
- Bedrock `invoke_model` is served by botocore's Stubber (moto returns `{}`); `fake_embedding`
  derives a deterministic unit vector from the text so that different chunks get different vectors.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import boto3
import urllib3
from botocore.response import StreamingBody
from botocore.stub import Stubber
from rag import contract

REGION = "us-east-1"
ARTIFACTS = "rag-artifacts"
SOURCES = "rag-sources"
REGISTRY = "rag-registry"
VECTOR_BUCKET = "rag-vectors"
VECTOR_INDEX = "documents"
DIMENSION = 256
INDEX_ARN = f"arn:aws:s3vectors:{REGION}:123456789012:bucket/{VECTOR_BUCKET}/index/{VECTOR_INDEX}"
MODEL_ID = "amazon.titan-embed-text-v2:0"

ENVIRONMENT = {
    "AWS_DEFAULT_REGION": REGION,
    contract.ARTIFACTS_BUCKET_ENV: ARTIFACTS,
    contract.SOURCE_BUCKET_ENV: SOURCES,
    contract.SOURCE_PREFIX_ENV: "documents/",
    contract.REGISTRY_TABLE_ENV: REGISTRY,
    contract.VECTOR_INDEX_ENV: INDEX_ARN,
    contract.TOKENIZER_ENV: "gpt-4",
    contract.CHUNK_TOKENS_ENV: "64",
    contract.CHUNK_OVERLAP_ENV: "8",
    contract.EMBEDDING_MODEL_ENV: MODEL_ID,
    contract.EMBEDDING_DIMENSION_ENV: str(DIMENSION),
    contract.EMBEDDING_BATCH_SIZE_ENV: "2",
    contract.EMBEDDING_CONCURRENCY_ENV: "1",
    contract.MAX_DOCUMENT_BYTES_ENV: "100000",
    contract.MAX_URLS_PER_RUN_ENV: "3",
    contract.URL_TIMEOUT_ENV: "5",
    contract.ALLOWED_DOMAINS_ENV: "docs.example.com,*.wiki.example.org",
    contract.ALLOWED_CONTENT_TYPES_ENV: "text/html,application/pdf,text/markdown,text/plain",
    contract.PRIVATE_HOSTS_ALLOWED_ENV: "false",
    contract.EXCERPT_CHARS_ENV: "40",
    contract.VALIDATION_SAMPLES_ENV: "3",
}


class LambdaContext:
    function_name = "rag-test"
    memory_limit_in_mb = 512
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:rag-test"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


def invoke(handler: Any, event_input: dict[str, Any], state: str = "Task") -> Any:
    """Call a handler the way `invoke_lambda` does."""
    envelope = {
        "input": event_input,
        "executionId": f"arn:aws:states:{REGION}:123456789012:execution:rag:test",
        "stateName": state,
    }
    return handler(envelope, LambdaContext())


@dataclass
class DataPlane:
    s3: Any
    dynamodb: Any
    vectors: Any

    def put_source(self, key: str, body: bytes, content_type: str = "") -> None:
        extra = {"ContentType": content_type} if content_type else {}
        self.s3.put_object(Bucket=SOURCES, Key=key, Body=body, **extra)

    def artifact(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=ARTIFACTS, Key=key)["Body"].read()

    def artifact_keys(self, prefix: str = "") -> list[str]:
        response = self.s3.list_objects_v2(Bucket=ARTIFACTS, Prefix=prefix)
        return sorted(entry["Key"] for entry in response.get("Contents", []))

    def vector_keys(self) -> list[str]:
        return sorted(v["key"] for v in self.vectors.list_vectors(indexArn=INDEX_ARN)["vectors"])

    def clear(self) -> None:
        """Empty both buckets, the registry and the index (the resources themselves stay)."""
        for bucket in (ARTIFACTS, SOURCES):
            versions = self.s3.list_object_versions(Bucket=bucket)
            for entry in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
                self.s3.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])
        for item in self.dynamodb.scan(TableName=REGISTRY).get("Items", []):
            self.dynamodb.delete_item(TableName=REGISTRY, Key={"source": item["source"]})
        keys = self.vector_keys()
        if keys:
            self.vectors.delete_vectors(indexArn=INDEX_ARN, keys=keys)
        self.vectors.queries.clear()

    def registry_item(self, source: str) -> dict[str, Any] | None:
        from rag import registry

        return registry.from_item(
            self.dynamodb.get_item(TableName=REGISTRY, Key={"source": {"S": source}}).get("Item")
        )


def data_plane() -> DataPlane:
    """Create the buckets, the registry table and the vector index inside an active mock_aws."""
    s3 = boto3.client("s3", region_name=REGION)
    for bucket in (ARTIFACTS, SOURCES):
        s3.create_bucket(Bucket=bucket)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName=REGISTRY,
        KeySchema=[{"AttributeName": "source", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "source", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    vectors = boto3.client("s3vectors", region_name=REGION)
    vectors.create_vector_bucket(vectorBucketName=VECTOR_BUCKET)
    vectors.create_index(
        vectorBucketName=VECTOR_BUCKET,
        indexName=VECTOR_INDEX,
        dataType="float32",
        dimension=DIMENSION,
        distanceMetric="cosine",
    )
    return DataPlane(s3=s3, dynamodb=dynamodb, vectors=QueryableVectors(vectors))


class QueryableVectors:
    """moto's s3vectors client plus an exact QueryVectors (see the module docstring)."""

    def __init__(self, client: Any, metric: str = "cosine") -> None:
        self._client = client
        self._metric = metric
        self.queries: list[dict[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def query_vectors(self, *, topK: int, queryVector: dict[str, list[float]], **kwargs: Any) -> dict:  # noqa: N803
        self.queries.append({"topK": topK, **kwargs})
        stored = self._client.list_vectors(indexArn=kwargs["indexArn"], returnData=True, returnMetadata=True)[
            "vectors"
        ]
        query = queryVector["float32"]
        hits = [
            {"key": vector["key"], "distance": self._distance(query, vector["data"]["float32"])}
            for vector in stored
            if _matches(vector.get("metadata") or {}, kwargs.get("filter"))
        ]
        hits.sort(key=lambda hit: (hit["distance"], hit["key"]))
        return {"vectors": hits[:topK], "distanceMetric": self._metric}

    def _distance(self, left: list[float], right: list[float]) -> float:
        if self._metric == "euclidean":
            return math.dist(left, right)
        dot = sum(a * b for a, b in zip(left, right, strict=True))
        norms = math.hypot(*left) * math.hypot(*right)
        return 1.0 - dot / norms


def _matches(metadata: dict[str, Any], condition: dict[str, Any] | None) -> bool:
    if not condition:
        return True
    if "$and" in condition:
        return all(_matches(metadata, part) for part in condition["$and"])
    ((name, test),) = condition.items()
    if isinstance(test, dict) and "$eq" in test:
        return metadata.get(name) == test["$eq"]
    return metadata.get(name) == test


def fake_embedding(text: str, dimension: int = DIMENSION) -> list[float]:
    """A deterministic unit vector for `text` (test data standing in for a model's output)."""
    generator = random.Random(hashlib.sha256(text.encode()).digest())
    values = [generator.gauss(0.0, 1.0) for _ in range(dimension)]
    norm = math.hypot(*values)
    return [value / norm for value in values]


def bedrock_body(payload: dict[str, Any]) -> StreamingBody:
    raw = json.dumps(payload).encode()
    return StreamingBody(io.BytesIO(raw), len(raw))


def stub_titan(stubber: Stubber, texts: Iterable[str], dimension: int = DIMENSION) -> None:
    """Queue one Titan V2 answer per text, expecting exactly that request."""
    for text in texts:
        stubber.add_response(
            "invoke_model",
            {
                "body": bedrock_body(
                    {"embedding": fake_embedding(text, dimension), "inputTextTokenCount": 7}
                ),
                "contentType": "application/json",
            },
            {
                "modelId": MODEL_ID,
                "body": json.dumps({"inputText": text, "dimensions": dimension, "normalize": True}),
                "contentType": "application/json",
                "accept": "application/json",
            },
        )


@dataclass
class FakeResponse:
    """The part of urllib3's HTTPResponse the fetcher uses."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    fail_on_read: Exception | None = None
    released: bool = False
    _offset: int = 0

    def read(self, amount: int) -> bytes:
        if self.fail_on_read is not None:
            raise self.fail_on_read
        block = self.body[self._offset : self._offset + amount]
        self._offset += len(block)
        return block

    def release_conn(self) -> None:
        self.released = True


@dataclass
class FakePool:
    """Stands in for urllib3.PoolManager: answers by URL, records what was requested."""

    responses: dict[str, FakeResponse | Exception]
    requested: list[str] = field(default_factory=list)

    def request(self, method: str, url: str, **kwargs: Any) -> FakeResponse:
        assert method == "GET" and kwargs["redirect"] is False and kwargs["retries"] is False
        self.requested.append(url)
        answer = self.responses[url]
        if isinstance(answer, Exception):
            raise answer
        return answer


def read_timeout(url: str) -> urllib3.exceptions.ReadTimeoutError:
    return urllib3.exceptions.ReadTimeoutError(None, url, "Read timed out.")


def chunk_texts(plane: DataPlane, chunks: dict[str, Any]) -> list[str]:
    return [json.loads(line)["text"] for line in plane.artifact(chunks["chunksKey"]).decode().splitlines()]


def run_steps(
    plane: DataPlane, stubber: Stubber, key: str, body: bytes, until: str = "embed"
) -> dict[str, Any]:
    """Run fetch -> ... -> `until` on one source object the way the child workflow does."""
    from rag import chunk, embed, fetch, parse, upsert, validate

    plane.put_source(key, body)
    state: dict[str, Any] = {"runId": "r1"}
    item = {"listing": "source", "bucket": SOURCES, "key": key, "etag": "e", "size": len(body)}
    state["fetch"] = invoke(fetch.handler, {"item": item, "runId": "r1"}, "Fetch")
    document = state["fetch"]["document"]
    state["parse"] = invoke(parse.handler, {"document": document}, "Parse")
    state["chunk"] = invoke(chunk.handler, {"document": document, "parsed": state["parse"]}, "Chunk")
    if until == "chunk":
        return state
    stub_titan(stubber, chunk_texts(plane, state["chunk"]))
    state["embed"] = invoke(embed.handler, {"document": document, "chunks": state["chunk"]}, "Embed")
    if until == "embed":
        return state
    state["upsert"] = invoke(
        upsert.handler,
        {
            "document": document,
            "parsed": state["parse"],
            "chunks": state["chunk"],
            "embeddings": state["embed"],
        },
        "Upsert",
    )
    if until == "upsert":
        return state
    state["validate"] = invoke(
        validate.handler,
        {"document": document, "chunks": state["chunk"], "embeddings": state["embed"]},
        "Validate",
    )
    return state


LONG_MARKDOWN = (
    "# Operations guide\n\n"
    + "\n\n".join(
        f"## Section {number}\n\n"
        + " ".join(
            f"Sentence {number}.{part} explains how step {part} of the pipeline behaves." for part in range(6)
        )
        for number in range(4)
    )
).encode()
