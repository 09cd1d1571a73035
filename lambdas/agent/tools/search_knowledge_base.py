"""search_knowledge_base tool: embed the query with the RAG workflow's model (Titan Text
Embeddings V2 request shape) and QueryVectors on its vector index; returns keys, distances and
the chunks' metadata (source, text)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from agent import contract
from agent.converse import TRANSIENT_CODES
from agent.errors import ModelUnavailable, ToolFailed
from agent.tools.invocation import tool_handler
from shared import clients, environment

DEFAULT_TOP_K = 5
VECTOR_TRANSIENT = frozenset(
    {"ThrottlingException", "ServiceUnavailableException", "InternalServerException"}
)


def embed(query: str) -> list[float]:
    body = {
        "inputText": query,
        "dimensions": environment.integer(contract.EMBEDDING_DIMENSIONS_ENV),
        "normalize": True,
    }
    try:
        response = clients.client("bedrock-runtime", clients.ADAPTIVE).invoke_model(
            modelId=environment.text(contract.EMBEDDING_MODEL_ENV),
            body=json.dumps(body),
            contentType="application/json",
            accept="application/json",
        )
    except ClientError as error:
        if clients.error_code(error) in TRANSIENT_CODES:
            raise ModelUnavailable(f"embedding failed: {clients.error_code(error)}") from None
        raise
    except BotoCoreError as error:
        raise ModelUnavailable(f"embedding model unreachable: {error}") from None
    vector = json.loads(response["body"].read()).get("embedding")
    if not isinstance(vector, list) or not vector:
        raise ToolFailed("search_knowledge_base: the embedding model returned no vector")
    return [float(value) for value in vector]


def query(vector: list[float], top_k: int) -> list[dict[str, Any]]:
    try:
        response = clients.client("s3vectors").query_vectors(
            indexArn=environment.text(contract.VECTOR_INDEX_ARN_ENV),
            queryVector={"float32": vector},
            topK=top_k,
            returnMetadata=True,
            returnDistance=True,
        )
    except ClientError as error:
        if clients.error_code(error) in VECTOR_TRANSIENT:
            raise ModelUnavailable(f"vector index busy: {clients.error_code(error)}") from None
        raise
    return [
        {"key": match["key"], "distance": match.get("distance"), "metadata": match.get("metadata", {})}
        for match in response.get("vectors", [])
    ]


def run(arguments: dict[str, Any]) -> dict[str, Any]:
    top_k = int(arguments.get("topK", DEFAULT_TOP_K))
    return {"query": arguments["query"], "matches": query(embed(arguments["query"]), top_k)}


handler = tool_handler("search_knowledge_base", run)
