"""S3 Vectors data-plane calls in API-sized batches, with throttling mapped to `VectorStoreBusy`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from rag import contract
from rag.errors import VectorStoreBusy
from shared import environment
from shared.clients import error_code

PUT_BATCH = 500
DELETE_BATCH = 500
GET_BATCH = 100
BUSY_CODES = frozenset(
    {
        "ThrottlingException",
        "TooManyRequestsException",
        "ServiceUnavailableException",
        "InternalServerException",
        "RequestTimeoutException",
    }
)


def index_arn() -> str:
    return environment.text(contract.VECTOR_INDEX_ENV)


def batches(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _call(operation: Any, **parameters: Any) -> dict[str, Any]:
    try:
        return operation(indexArn=index_arn(), **parameters)
    except ClientError as error:
        if error_code(error) in BUSY_CODES:
            raise VectorStoreBusy(str(error)) from None
        raise
    except BotoCoreError as error:
        raise VectorStoreBusy(str(error)) from None


def put(client: Any, vectors: Sequence[dict[str, Any]]) -> None:
    for batch in batches(vectors, PUT_BATCH):
        _call(client.put_vectors, vectors=list(batch))


def delete(client: Any, keys: Sequence[str]) -> int:
    for batch in batches(keys, DELETE_BATCH):
        _call(client.delete_vectors, keys=list(batch))
    return len(keys)


def get(client: Any, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The stored vectors among `keys` (with metadata), by key."""
    found: dict[str, dict[str, Any]] = {}
    for batch in batches(keys, GET_BATCH):
        response = _call(client.get_vectors, keys=list(batch), returnMetadata=True)
        for vector in response.get("vectors", []):
            found[vector["key"]] = vector
    return found


def query(client: Any, vector: list[float], *, top_k: int, filter_: dict[str, Any]) -> list[dict[str, Any]]:
    response = _call(
        client.query_vectors,
        queryVector={"float32": vector},
        topK=top_k,
        filter=filter_,
        returnDistance=True,
        returnMetadata=False,
    )
    return list(response.get("vectors", []))
