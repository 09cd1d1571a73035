"""Validate: the index holds exactly this version's chunks, and sampled chunks retrieve themselves.

Count: every expected key `<documentId>#<version>#<i>` (i < chunk count) is stored with matching
metadata, and no key beyond the count exists (keys are deterministic, so that is the exact count).
Self-retrieval: querying with a sampled chunk's own embedding, filtered to this document version,
returns that chunk first (an exact tie with an identical chunk of the same document also passes).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from rag import artifacts, contract, documents, stored, vector_index
from rag.errors import InvalidInput, ValidationMismatch
from shared import clients, environment
from shared.task import logger, task_handler

OVERFLOW_PROBE = 10
TOP_K = 5
TIE_TOLERANCE = 1e-6


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    document, chunks = event_input.get("document"), event_input.get("chunks")
    embeddings = event_input.get("embeddings")
    if not all(isinstance(part, dict) for part in (document, chunks, embeddings)):
        raise InvalidInput("expected {'document', 'chunks', 'embeddings'} objects")
    document_id, version = document["documentId"], document["version"]
    pairs = stored.chunks_with_embeddings(
        artifacts.Store.from_environment(clients.client("s3", clients.STANDARD)), document, chunks, embeddings
    )
    client = clients.client("s3vectors", clients.ADAPTIVE)
    count = len(pairs)

    expected = documents.chunk_keys(document_id, version, count)
    found = vector_index.get(client, expected)
    if len(found) != count:
        missing = [key for key in expected if key not in found]
        raise ValidationMismatch(f"index holds {len(found)} of {count} vectors (missing {missing[:3]})")
    for index, key in enumerate(expected):
        metadata = found[key].get("metadata") or {}
        if (metadata.get("documentId"), metadata.get("version"), metadata.get("chunk")) != (
            document_id,
            version,
            index,
        ):
            raise ValidationMismatch(f"vector {key} carries metadata of another chunk: {metadata}")
    overflow = [documents.chunk_key(document_id, version, count + i) for i in range(OVERFLOW_PROBE)]
    extra = vector_index.get(client, overflow)
    if extra:
        raise ValidationMismatch(f"index holds vectors beyond the {count} chunks: {sorted(extra)[:3]}")

    samples = sample_indices(count, environment.integer(contract.VALIDATION_SAMPLES_ENV))
    version_filter = {"$and": [{"documentId": {"$eq": document_id}}, {"version": {"$eq": version}}]}
    for index in samples:
        row, embedding = pairs[index]
        results = vector_index.query(client, embedding, top_k=min(TOP_K, count), filter_=version_filter)
        if not retrieves_itself(row["id"], results):
            top = results[0]["key"] if results else "nothing"
            raise ValidationMismatch(f"self-query for chunk {index} returned {top} first")
    logger.info("validated", extra={"vectors": count, "samples": samples})
    return {"vectors": count, "samples": samples}


def sample_indices(count: int, samples: int) -> list[int]:
    """Evenly spread chunk indices, always including the first and the last."""
    if count <= samples:
        return list(range(count))
    if samples == 1:
        return [0]
    return sorted({round(step * (count - 1) / (samples - 1)) for step in range(samples)})


def retrieves_itself(key: str, results: list[dict[str, Any]]) -> bool:
    if not results:
        return False
    if results[0]["key"] == key:
        return True
    best = results[0].get("distance")
    own = next((result for result in results if result["key"] == key), None)
    return (
        own is not None
        and best is not None
        and own.get("distance") is not None
        and abs(own["distance"] - best) <= TIE_TOLERANCE
    )
