"""Upsert: write the new version's vectors (keys `<documentId>#<version>#<index>`) with metadata."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from rag import artifacts, contract, registry, stored, vector_index
from rag.errors import InvalidInput
from shared import clients, environment
from shared.task import logger, task_handler

TITLE_LIMIT = 256
SOURCE_LIMIT = 1024


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    document, parsed = event_input.get("document"), event_input.get("parsed")
    chunks, embeddings = event_input.get("chunks"), event_input.get("embeddings")
    if not all(isinstance(part, dict) for part in (document, parsed, chunks, embeddings)):
        raise InvalidInput("expected {'document', 'parsed', 'chunks', 'embeddings'} objects")
    excerpt_chars = environment.integer(contract.EXCERPT_CHARS_ENV)
    pairs = stored.chunks_with_embeddings(
        artifacts.Store.from_environment(clients.client("s3", clients.STANDARD)), document, chunks, embeddings
    )
    vectors = [
        {
            "key": row["id"],
            "data": {"float32": embedding},
            "metadata": {
                "documentId": document["documentId"],
                "version": document["version"],
                "chunk": row["index"],
                "source": document["source"][:SOURCE_LIMIT],
                "title": str(parsed.get("title", ""))[:TITLE_LIMIT],
                "excerpt": row["text"][:excerpt_chars],
            },
        }
        for row, embedding in pairs
    ]
    # Recorded before any vector is written: if this version is never committed nor rolled back,
    # the next run's sweep knows exactly which keys to delete.
    registry.mark_pending(
        clients.client("dynamodb", clients.STANDARD),
        document["source"],
        document["documentId"],
        document["version"],
        len(vectors),
    )
    vector_index.put(clients.client("s3vectors", clients.ADAPTIVE), vectors)
    logger.info("upserted", extra={"vectors": len(vectors)})
    return {"vectors": len(vectors)}
