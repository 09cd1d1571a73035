"""Embed: chunks -> vectors with Amazon Bedrock, in batches, resumable after throttling.

Each batch of `EMBEDDING_BATCH_SIZE` chunks is written to S3 as soon as it is complete; a retry of
this state (after `EmbeddingThrottled` or `ModelUnavailable`) only embeds the missing batches.
Up to `EMBEDDING_CONCURRENCY` batches are in flight; the Bedrock client runs in adaptive retry
mode, so it slows itself down when throttled before the error reaches the state machine.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from rag import artifacts, contract, layout
from rag.embedding_models import EmbeddingModel, model_for
from rag.errors import InvalidInput
from shared import clients, environment
from shared.task import logger, metrics, task_handler


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    document, chunks = event_input.get("document"), event_input.get("chunks")
    if not isinstance(document, dict) or not isinstance(chunks, dict) or "chunksKey" not in chunks:
        raise InvalidInput("expected {'document': {...}, 'chunks': {'chunksKey': ..., 'count': ...}}")
    model = model_for(
        environment.text(contract.EMBEDDING_MODEL_ENV), environment.integer(contract.EMBEDDING_DIMENSION_ENV)
    )
    batch_size = environment.integer(contract.EMBEDDING_BATCH_SIZE_ENV)
    store, bedrock = (
        artifacts.Store.from_environment(clients.client("s3", clients.STANDARD)),
        clients.client("bedrock-runtime", clients.ADAPTIVE),
    )
    rows = store.get_jsonl(chunks["chunksKey"])
    document_id, version = document["documentId"], document["version"]
    batches = [rows[start : start + batch_size] for start in range(0, len(rows), batch_size)]
    done = set(store.keys(layout.embeddings_prefix(document_id, version)))
    pending = [
        (number, batch)
        for number, batch in enumerate(batches)
        if layout.embeddings_batch_key(document_id, version, number) not in done
    ]
    logger.info("embedding", extra={"batches": len(batches), "pending": len(pending)})

    def embed_batch(job: tuple[int, list[dict[str, Any]]]) -> int:
        number, batch = job
        vectors = _embed(model, bedrock, batch)
        store.put_json(
            layout.embeddings_batch_key(document_id, version, number),
            {"model": model.model_id, "dimension": model.dimension, "vectors": vectors},
        )
        return sum(vector["tokens"] or 0 for vector in vectors)

    workers = max(1, min(environment.integer(contract.EMBEDDING_CONCURRENCY_ENV), len(pending)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        tokens = sum(pool.map(embed_batch, pending))
    metrics.add_metric(name="ChunksEmbedded", unit=MetricUnit.Count, value=sum(len(b) for _, b in pending))
    return {
        "embeddingsPrefix": layout.embeddings_prefix(document_id, version),
        "batches": len(batches),
        "count": len(rows),
        "resumedBatches": len(batches) - len(pending),
        "model": model.model_id,
        "dimension": model.dimension,
        "inputTokens": tokens,
    }


def _embed(model: EmbeddingModel, bedrock: Any, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    vectors = []
    for start in range(0, len(batch), model.texts_per_call):
        group = batch[start : start + model.texts_per_call]
        embeddings = model.embed(bedrock, [row["text"] for row in group])
        vectors.extend(
            {
                "id": row["id"],
                "index": row["index"],
                "embedding": embedding.vector,
                "tokens": embedding.tokens,
            }
            for row, embedding in zip(group, embeddings, strict=True)
        )
    return vectors
