"""search_knowledge_base: the Titan V2 embedding request and QueryVectors on the RAG index (Stubber
on the real bedrock-runtime and s3vectors models)."""

from __future__ import annotations

import io
import json

import boto3
import pytest
from agent.errors import ModelUnavailable
from agent.tools import search_knowledge_base
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from tests.lambdas.agent.agentaws import REGION, Account
from tests.lambdas.agent.conftest import call
from tests.lambdas.rag.conftest import route_client


@pytest.fixture
def vectors(monkeypatch: pytest.MonkeyPatch):
    client = boto3.client("s3vectors", region_name=REGION)
    route_client(monkeypatch, "s3vectors", client)
    with Stubber(client) as stubber:
        yield stubber


def embedding(vector: list[float]) -> dict[str, object]:
    body = json.dumps({"embedding": vector, "inputTextTokenCount": 3}).encode()
    return {"body": StreamingBody(io.BytesIO(body), len(body)), "contentType": "application/json"}


SEARCH = {
    "requestId": "req-1",
    "round": 1,
    "toolUseId": "t5",
    "name": "search_knowledge_base",
    "input": {"query": "refund policy", "topK": 2},
}


def test_the_query_is_embedded_and_the_nearest_chunks_returned(
    aws: Account, bedrock: Stubber, vectors: Stubber
) -> None:
    bedrock.add_response(
        "invoke_model",
        embedding([0.1, 0.2, 0.3, 0.4]),
        {
            "modelId": "amazon.titan-embed-text-v2:0",
            "body": ANY,
            "contentType": "application/json",
            "accept": "application/json",
        },
    )
    vectors.add_response(
        "query_vectors",
        {
            "vectors": [
                {
                    "key": "doc-1#0",
                    "distance": 0.12,
                    "metadata": {"source": "s3://docs/refunds.md", "text": "Refunds within 30 days."},
                }
            ],
            "distanceMetric": "cosine",
        },
        {
            "indexArn": "arn:aws:s3vectors:us-east-1:123456789012:bucket/rag-vectors/index/chunks",
            "queryVector": {"float32": [0.1, 0.2, 0.3, 0.4]},
            "topK": 2,
            "returnMetadata": True,
            "returnDistance": True,
        },
    )
    result = call(search_knowledge_base.handler, SEARCH)
    assert aws.json_object(result["resultKey"]) == {
        "query": "refund policy",
        "matches": [
            {
                "key": "doc-1#0",
                "distance": 0.12,
                "metadata": {"source": "s3://docs/refunds.md", "text": "Refunds within 30 days."},
            }
        ],
    }


def test_a_throttled_embedding_is_model_unavailable(aws: Account, bedrock: Stubber) -> None:
    bedrock.add_client_error("invoke_model", "ThrottlingException", http_status_code=429)
    with pytest.raises(ModelUnavailable, match="ThrottlingException"):
        call(search_knowledge_base.handler, SEARCH)
