"""Upsert and Validate against moto's S3 Vectors (QueryVectors from the documented test double)."""

from __future__ import annotations

import pytest
from rag import documents, upsert, validate
from rag.errors import ValidationMismatch, VectorStoreBusy

from tests.lambdas.rag.ragaws import (
    INDEX_ARN,
    LONG_MARKDOWN,
    SOURCES,
    chunk_texts,
    fake_embedding,
    invoke,
    run_steps,
)

SOURCE = f"s3://{SOURCES}/documents/guide.md"


def _validate(state: dict) -> dict:
    document = state["fetch"]["document"]
    return invoke(
        validate.handler, {"document": document, "chunks": state["chunk"], "embeddings": state["embed"]}
    )


def test_upsert_writes_one_vector_per_chunk_with_metadata(aws, bedrock):
    state = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="upsert")
    document, count = state["fetch"]["document"], state["chunk"]["count"]
    assert state["upsert"] == {"vectors": count}
    keys = documents.chunk_keys(document["documentId"], document["version"], count)
    assert aws.vector_keys() == keys
    stored = aws.vectors.get_vectors(indexArn=INDEX_ARN, keys=keys[:1], returnData=True, returnMetadata=True)[
        "vectors"
    ][0]
    texts = chunk_texts(aws, state["chunk"])
    assert stored["data"]["float32"] == pytest.approx(fake_embedding(texts[0]))
    assert stored["metadata"] == {
        "documentId": document["documentId"],
        "version": document["version"],
        "chunk": 0,
        "source": SOURCE,
        "title": "Operations guide",
        "excerpt": texts[0][:40],
    }


def test_validation_passes_on_exact_count_and_self_retrieval(aws, bedrock):
    state = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="upsert")
    count = state["chunk"]["count"]
    result = _validate(state)
    assert result == {"vectors": count, "samples": [0, round((count - 1) / 2), count - 1]}
    assert len(aws.vectors.queries) == 3
    document = state["fetch"]["document"]
    assert aws.vectors.queries[0]["filter"] == {
        "$and": [{"documentId": {"$eq": document["documentId"]}}, {"version": {"$eq": document["version"]}}]
    }


def test_a_missing_vector_fails_validation(aws, bedrock):
    state = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="upsert")
    aws.vectors.delete_vectors(indexArn=INDEX_ARN, keys=[aws.vector_keys()[1]])
    with pytest.raises(ValidationMismatch, match=r"holds \d+ of \d+"):
        _validate(state)


def test_a_vector_beyond_the_chunk_count_fails_validation(aws, bedrock):
    state = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="upsert")
    document, count = state["fetch"]["document"], state["chunk"]["count"]
    extra = documents.chunk_key(document["documentId"], document["version"], count)
    aws.vectors.put_vectors(
        indexArn=INDEX_ARN,
        vectors=[
            {
                "key": extra,
                "data": {"float32": fake_embedding("x")},
                "metadata": {
                    "documentId": document["documentId"],
                    "version": document["version"],
                    "chunk": count,
                },
            }
        ],
    )
    with pytest.raises(ValidationMismatch, match="beyond"):
        _validate(state)


def test_a_chunk_that_does_not_retrieve_itself_fails_validation(aws, bedrock):
    state = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="upsert")
    key = aws.vector_keys()[0]
    stored = aws.vectors.get_vectors(indexArn=INDEX_ARN, keys=[key], returnMetadata=True)["vectors"][0]
    # The index now holds a different vector under chunk 0's key (e.g. a corrupted write).
    aws.vectors.put_vectors(
        indexArn=INDEX_ARN,
        vectors=[
            {
                "key": key,
                "data": {"float32": [-v for v in fake_embedding("other text")]},
                "metadata": stored["metadata"],
            }
        ],
    )
    with pytest.raises(ValidationMismatch, match="self-query for chunk 0"):
        _validate(state)


def test_identical_chunks_tie_instead_of_failing():
    results = [{"key": "d#v#00003", "distance": 0.0}, {"key": "d#v#00001", "distance": 0.0}]
    assert validate.retrieves_itself("d#v#00001", results)
    assert not validate.retrieves_itself(
        "d#v#00001", [{"key": "d#v#00003", "distance": 0.0}, {"key": "d#v#00001", "distance": 0.2}]
    )
    assert not validate.retrieves_itself("d#v#00001", [])


@pytest.mark.parametrize(
    ("count", "samples", "expected"), [(1, 3, [0]), (3, 3, [0, 1, 2]), (10, 3, [0, 4, 9]), (10, 1, [0])]
)
def test_samples_are_spread_over_the_document(count, samples, expected):
    assert validate.sample_indices(count, samples) == expected


def test_throttled_vector_calls_raise_a_retryable_error(aws, bedrock, monkeypatch):
    from botocore.exceptions import ClientError

    state = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="embed")

    def throttled(**_):
        raise ClientError(
            {"Error": {"Code": "TooManyRequestsException", "Message": "slow down"}}, "PutVectors"
        )

    monkeypatch.setattr(aws.vectors, "put_vectors", throttled, raising=False)
    with pytest.raises(VectorStoreBusy):
        invoke(
            upsert.handler,
            {
                "document": state["fetch"]["document"],
                "parsed": state["parse"],
                "chunks": state["chunk"],
                "embeddings": state["embed"],
            },
        )


def test_a_vector_with_another_chunks_metadata_fails_validation(aws, bedrock):
    state = run_steps(aws, bedrock, "documents/guide.md", LONG_MARKDOWN, until="upsert")
    key = aws.vector_keys()[1]
    stored = aws.vectors.get_vectors(indexArn=INDEX_ARN, keys=[key], returnData=True, returnMetadata=True)[
        "vectors"
    ][0]
    # Same key and embedding, but the metadata says chunk 0: a search would cite the wrong passage.
    aws.vectors.put_vectors(
        indexArn=INDEX_ARN,
        vectors=[{"key": key, "data": stored["data"], "metadata": {**stored["metadata"], "chunk": 0}}],
    )
    with pytest.raises(ValidationMismatch, match="metadata of another chunk"):
        _validate(state)
