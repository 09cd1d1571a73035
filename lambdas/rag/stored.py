"""Read a version's chunks and embeddings back from S3 and pair them up, checking nothing is missing."""

from __future__ import annotations

from typing import Any

from rag import artifacts, layout
from rag.errors import ValidationMismatch


def chunks_with_embeddings(
    store: artifacts.Store, document: dict[str, Any], chunks: dict[str, Any], embeddings: dict[str, Any]
) -> list[tuple[dict[str, Any], list[float]]]:
    """[(chunk row, embedding)] in chunk order; every chunk must have exactly one embedding."""
    rows = store.get_jsonl(chunks["chunksKey"])
    vectors: dict[str, list[float]] = {}
    for number in range(int(embeddings["batches"])):
        key = layout.embeddings_batch_key(document["documentId"], document["version"], number)
        for vector in store.get_json(key)["vectors"]:
            vectors[vector["id"]] = vector["embedding"]
    missing = [row["id"] for row in rows if row["id"] not in vectors]
    if missing or len(vectors) != len(rows):
        raise ValidationMismatch(f"{len(rows)} chunks but {len(vectors)} embeddings (missing: {missing[:3]})")
    return [(row, vectors[row["id"]]) for row in rows]
