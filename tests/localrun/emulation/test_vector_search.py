"""The S3 Vectors QueryVectors emulation: exact k-NN over the vectors moto stores."""

from __future__ import annotations

import sys
import threading
from collections import Counter

import pytest

from localrun import LocalRunner
from localrun.emulation import vector_search
from localrun.emulation.vector_search import StoredVector

VECTORS = [
    StoredVector("north", [0.0, 1.0], {"topic": "maps", "year": 2020}),
    StoredVector("east", [1.0, 0.0], {"topic": "maps", "year": 2024}),
    StoredVector("north-east", [0.7, 0.7], {"topic": "travel", "tags": ["sea", "sun"]}),
]


def keys(response: dict) -> list[str]:
    return [item["key"] for item in response["vectors"]]


def test_cosine_nearest_first_with_distances() -> None:
    response = vector_search.query(
        VECTORS, [0.1, 1.0], top_k=2, metric="cosine", dimension=2, return_distance=True
    )

    assert keys(response) == ["north", "north-east"]
    assert response["distanceMetric"] == "cosine"
    assert 0 <= response["vectors"][0]["distance"] < response["vectors"][1]["distance"]
    assert "metadata" not in response["vectors"][0]


def test_euclidean_metric() -> None:
    response = vector_search.query(VECTORS, [1.0, 0.1], top_k=1, metric="euclidean", dimension=2)

    assert keys(response) == ["east"]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"topic": "maps"}, ["north", "east"]),
        ({"year": {"$gte": 2021}}, ["east"]),
        ({"tags": {"$in": ["sun"]}}, ["north-east"]),
        ({"$or": [{"year": 2020}, {"topic": "travel"}]}, ["north", "north-east"]),
        ({"year": {"$exists": False}}, ["north-east"]),
        ({"topic": {"$nin": ["maps"]}}, ["north-east"]),
    ],
)
def test_metadata_filters(document: dict, expected: list[str]) -> None:
    response = vector_search.query(
        VECTORS, [0.5, 0.5], top_k=3, metric="cosine", dimension=2, filter_document=document
    )

    assert sorted(keys(response)) == sorted(expected)


def test_dimension_mismatch_is_rejected() -> None:
    with pytest.raises(vector_search.QueryError, match="dimension"):
        vector_search.query(VECTORS, [1.0], top_k=1, metric="cosine", dimension=2)


def test_query_vectors_through_boto3(probe: LocalRunner) -> None:
    client = probe.client("s3vectors")
    client.create_vector_bucket(vectorBucketName="localrun-vectors")
    client.create_index(
        vectorBucketName="localrun-vectors",
        indexName="docs",
        dataType="float32",
        dimension=2,
        distanceMetric="cosine",
    )
    client.put_vectors(
        vectorBucketName="localrun-vectors",
        indexName="docs",
        vectors=[
            {"key": v.key, "data": {"float32": list(v.data)}, "metadata": dict(v.metadata or {})}
            for v in VECTORS
        ],
    )

    response = client.query_vectors(
        vectorBucketName="localrun-vectors",
        indexName="docs",
        topK=2,
        queryVector={"float32": [0.0, 1.0]},
        filter={"topic": "maps"},
        returnMetadata=True,
        returnDistance=True,
    )

    assert [item["key"] for item in response["vectors"]] == ["north", "east"]
    assert response["vectors"][0]["metadata"] == {"topic": "maps", "year": 2020}
    assert response["vectors"][0]["distance"] == pytest.approx(0.0, abs=1e-6)
    assert response["distanceMetric"] == "cosine"


def test_queries_during_concurrent_upserts_see_a_consistent_index(probe: LocalRunner) -> None:
    """QueryVectors while another document's PutVectors lands: each query sees the index before or
    after each PutVectors request (S3 Vectors writes are immediately visible to queries), never a
    half-changed one; nothing fails."""
    client = probe.client("s3vectors")
    client.create_vector_bucket(vectorBucketName="concurrent-vectors")
    client.create_index(
        vectorBucketName="concurrent-vectors", indexName="docs", dataType="float32", dimension=2,
        distanceMetric="cosine",
    )  # fmt: skip
    documents, chunks = 12, 8  # at most topK (100) vectors in all
    errors: list[BaseException] = []
    seen: list[int] = []
    done = threading.Event()

    def upsert() -> None:
        try:
            for document in range(documents):
                client.put_vectors(
                    vectorBucketName="concurrent-vectors",
                    indexName="docs",
                    vectors=[
                        {"key": f"d{document}-c{chunk}", "data": {"float32": [1.0, chunk + 1.0]},
                         "metadata": {"document": document}}
                        for chunk in range(chunks)
                    ],
                )  # fmt: skip
        finally:
            done.set()

    def query() -> None:
        while not done.is_set():
            try:
                response = client.query_vectors(
                    vectorBucketName="concurrent-vectors", indexName="docs", topK=100,
                    queryVector={"float32": [1.0, 1.0]}, returnMetadata=True,
                )  # fmt: skip
            except Exception as error:
                errors.append(error)
                return
            per_document = Counter(item["metadata"]["document"] for item in response["vectors"])
            seen.extend(per_document.values())

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work) for work in (upsert, query, query)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(previous)

    assert errors == []
    assert set(seen) <= {chunks}  # a document's chunks arrive together, in one PutVectors request
