"""The Titan Text Embeddings V2 emulation: deterministic, normalized, Titan's request/response shape."""

from __future__ import annotations

import json
import math

import pytest
from botocore.exceptions import ClientError

from localrun import LocalRunner
from localrun.emulation import titan


def cosine(left: list[float], right: list[float]) -> float:
    return sum(a * b for a, b in zip(left, right, strict=True))


def test_embedding_is_deterministic_normalized_and_sized() -> None:
    first = titan.embed({"inputText": "Step Functions runs workflows", "dimensions": 256})
    again = titan.embed({"inputText": "Step Functions runs workflows", "dimensions": 256})

    assert first == again
    assert len(first["embedding"]) == 256
    assert math.isclose(math.sqrt(sum(v * v for v in first["embedding"])), 1.0)
    assert first["inputTextTokenCount"] == 4


def test_default_dimensions_and_unnormalized_vectors() -> None:
    response = titan.embed({"inputText": "one two", "normalize": False})

    assert len(response["embedding"]) == 1024
    assert sorted(abs(v) for v in response["embedding"] if v)[-1] >= 1.0


def test_overlapping_texts_are_closer_than_unrelated_ones() -> None:
    def vector(text: str) -> list[float]:
        return titan.embed({"inputText": text, "dimensions": 512})["embedding"]

    query = vector("how do I retry a failed lambda task")
    related = vector("retry a failed lambda task with backoff")
    unrelated = vector("the weather in lisbon is sunny")

    assert cosine(query, related) > cosine(query, unrelated)


def test_embedding_types_are_returned_by_type() -> None:
    response = titan.embed({"inputText": "a b", "dimensions": 256, "embeddingTypes": ["float", "binary"]})

    assert response["embeddingsByType"]["float"] == response["embedding"]
    assert set(response["embeddingsByType"]["binary"]) <= {0, 1}


@pytest.mark.parametrize(
    "request_body",
    [
        {"inputText": ""},
        {"inputText": "x", "dimensions": 300},
        {"inputText": "x", "embeddingTypes": ["int8"]},
    ],
)
def test_invalid_requests_are_rejected(request_body: dict) -> None:
    with pytest.raises(titan.EmbeddingRequestError):
        titan.embed(request_body)


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        ({"inputText": "x", "truncate": "END"}, r"extraneous key \[truncate\] is not permitted"),
        ({"inputText": "word " * 8_193}, "Too many input tokens. Max input tokens: 8192"),
        ({"inputText": "x" * 50_001}, "exceeds 50000 characters"),
    ],
    ids=["unknown-key", "over-8192-tokens", "over-50000-characters"],
)
def test_documented_input_limits_and_request_keys_are_enforced(request_body: dict, message: str) -> None:
    with pytest.raises(titan.EmbeddingRequestError, match=message):
        titan.embed(request_body)


def test_an_input_at_the_token_limit_is_embedded() -> None:
    assert titan.embed({"inputText": "word " * 8_192})["inputTextTokenCount"] == 8_192


def test_invoke_model_through_bedrock_runtime(probe: LocalRunner) -> None:
    client = probe.client("bedrock-runtime")

    response = client.invoke_model(
        modelId=titan.MODEL_ID, body=json.dumps({"inputText": "hello world", "dimensions": 256})
    )
    body = json.loads(response["body"].read())

    assert body == titan.embed({"inputText": "hello world", "dimensions": 256})


def test_other_models_are_refused_not_faked(probe: LocalRunner) -> None:
    client = probe.client("bedrock-runtime")

    with pytest.raises(ClientError, match="ValidationException"):
        client.invoke_model(modelId="anthropic.claude-3-haiku", body=json.dumps({"prompt": "hi"}))
