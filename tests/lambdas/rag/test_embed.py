"""Embed: Bedrock (Stubber) calls, batch checkpoints, throttling resume, and refused vectors."""

from __future__ import annotations

import json

import pytest
from rag import contract, embed, embedding_models
from rag.errors import EmbeddingFailed, EmbeddingThrottled, ModelUnavailable

from tests.lambdas.rag.ragaws import (
    DIMENSION,
    LONG_MARKDOWN,
    MODEL_ID,
    bedrock_body,
    chunk_texts,
    fake_embedding,
    invoke,
    run_steps,
    stub_titan,
)


def _prepared(aws, bedrock) -> tuple[dict, list[str]]:
    state = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="chunk")
    return state, chunk_texts(aws, state["chunk"])


def _embed(state: dict) -> dict:
    return invoke(embed.handler, {"document": state["fetch"]["document"], "chunks": state["chunk"]})


def test_every_chunk_gets_its_own_vector_in_checkpointed_batches(aws, bedrock):
    state, texts = _prepared(aws, bedrock)
    stub_titan(bedrock, texts)
    result = _embed(state)
    bedrock.assert_no_pending_responses()
    document = state["fetch"]["document"]
    batches = (len(texts) + 1) // 2  # EMBEDDING_BATCH_SIZE=2
    assert result == {
        "embeddingsPrefix": f"embeddings/{document['documentId']}/{document['version']}/",
        "batches": batches,
        "count": len(texts),
        "resumedBatches": 0,
        "model": MODEL_ID,
        "dimension": DIMENSION,
        "inputTokens": 7 * len(texts),
    }
    stored = [json.loads(aws.artifact(key)) for key in aws.artifact_keys(result["embeddingsPrefix"])]
    assert len(stored) == batches
    vectors = [vector for batch in stored for vector in batch["vectors"]]
    assert [vector["index"] for vector in vectors] == list(range(len(texts)))
    assert [vector["embedding"] for vector in vectors] == [fake_embedding(text) for text in texts]


def test_throttling_fails_with_a_retryable_error_and_the_retry_resumes(aws, bedrock):
    state, texts = _prepared(aws, bedrock)
    stub_titan(bedrock, texts[:2])  # batch 0 succeeds
    bedrock.add_client_error("invoke_model", "ThrottlingException", "Too many requests", 429)
    with pytest.raises(EmbeddingThrottled):
        _embed(state)
    bedrock.assert_no_pending_responses()
    stub_titan(bedrock, texts[2:])  # the retry embeds only what is missing
    result = _embed(state)
    bedrock.assert_no_pending_responses()
    assert result["resumedBatches"] == 1
    assert result["count"] == len(texts)


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("ServiceUnavailableException", 503, ModelUnavailable),
        ("ModelTimeoutException", 408, ModelUnavailable),
        ("ValidationException", 400, EmbeddingFailed),
        ("AccessDeniedException", 403, EmbeddingFailed),
    ],
)
def test_bedrock_errors_map_to_named_errors(aws, bedrock, code, status, error):
    state, _ = _prepared(aws, bedrock)
    bedrock.add_client_error("invoke_model", code, "no", status)
    with pytest.raises(error):
        _embed(state)


@pytest.mark.parametrize(
    "answer",
    [
        {"embedding": [0.1] * (DIMENSION - 1)},  # short: never padded
        {"embedding": [0.1] * (DIMENSION + 1)},  # long: never truncated
        {"embedding": [float("nan")] + [0.1] * (DIMENSION - 1)},
        {"embedding": [0.0] * DIMENSION},
        {},  # what moto's bedrock returns: never invented
    ],
)
def test_a_vector_of_the_wrong_shape_fails_the_document(aws, bedrock, answer):
    state, _ = _prepared(aws, bedrock)
    bedrock.add_response("invoke_model", {"body": bedrock_body(answer), "contentType": "application/json"})
    with pytest.raises(EmbeddingFailed):
        _embed(state)
    assert aws.artifact_keys("embeddings/") == []


def test_cohere_embeds_a_whole_batch_per_call(aws, bedrock, monkeypatch):
    monkeypatch.setenv(contract.EMBEDDING_MODEL_ENV, "cohere.embed-english-v3")
    monkeypatch.setenv(contract.EMBEDDING_BATCH_SIZE_ENV, "96")
    monkeypatch.setenv(contract.EMBEDDING_DIMENSION_ENV, str(DIMENSION))
    state, texts = _prepared(aws, bedrock)
    bedrock.add_response(
        "invoke_model",
        {
            "body": bedrock_body({"embeddings": [fake_embedding(text) for text in texts]}),
            "contentType": "application/json",
        },
        {
            "modelId": "cohere.embed-english-v3",
            "body": json.dumps({"texts": texts, "input_type": "search_document", "truncate": "NONE"}),
            "contentType": "application/json",
            "accept": "application/json",
        },
    )
    result = _embed(state)
    assert (result["batches"], result["count"], result["inputTokens"]) == (1, len(texts), 0)


def test_unknown_models_are_refused():
    with pytest.raises(EmbeddingFailed):
        embedding_models.model_for("acme.embed-9000", 256)
