"""Bedrock embedding models behind one interface: request bodies, response parsing, error mapping.

A vector is accepted only if it has exactly the configured dimension and finite values; anything
else fails the document. Nothing here pads, truncates or invents a vector.
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from rag.errors import EmbeddingFailed, EmbeddingThrottled, ModelUnavailable
from shared.clients import error_code

THROTTLING_CODES = frozenset({"ThrottlingException", "TooManyRequestsException"})
UNAVAILABLE_CODES = frozenset(
    {
        "ServiceUnavailableException",
        "InternalServerException",
        "ModelNotReadyException",
        "ModelTimeoutException",
        "ModelErrorException",
    }
)


@dataclass(frozen=True)
class Embedding:
    vector: list[float]
    tokens: int | None


class EmbeddingModel(ABC):
    """One Bedrock model family: how many texts one InvokeModel call takes, and the JSON shapes."""

    texts_per_call = 1

    def __init__(self, model_id: str, dimension: int) -> None:
        self.model_id = model_id
        self.dimension = dimension

    @abstractmethod
    def request(self, texts: Sequence[str]) -> dict[str, Any]:
        """The InvokeModel body for these texts."""

    @abstractmethod
    def embeddings(self, response: dict[str, Any], count: int) -> list[Embedding]:
        """The vectors in an InvokeModel response for `count` texts."""

    def embed(self, client: Any, texts: Sequence[str]) -> list[Embedding]:
        """Embed up to `texts_per_call` texts with one InvokeModel call."""
        if not 0 < len(texts) <= self.texts_per_call:
            raise ValueError(f"{self.model_id} takes 1..{self.texts_per_call} texts per call")
        try:
            response = client.invoke_model(
                modelId=self.model_id,
                body=json.dumps(self.request(texts)),
                contentType="application/json",
                accept="application/json",
            )
            payload = json.loads(response["body"].read())
        except ClientError as error:
            code = error_code(error)
            if code in THROTTLING_CODES:
                raise EmbeddingThrottled(f"{self.model_id}: {error}") from None
            if code in UNAVAILABLE_CODES:
                raise ModelUnavailable(f"{self.model_id}: {error}") from None
            raise EmbeddingFailed(f"{self.model_id}: {error}") from None
        except BotoCoreError as error:
            raise ModelUnavailable(f"{self.model_id}: {error}") from None
        except (ValueError, KeyError) as error:
            raise EmbeddingFailed(f"{self.model_id}: unreadable response ({error})") from None
        if not isinstance(payload, dict):
            raise EmbeddingFailed(f"{self.model_id}: response is not a JSON object")
        embeddings = self.embeddings(payload, len(texts))
        for embedding in embeddings:
            self.check(embedding.vector)
        return embeddings

    def check(self, vector: Any) -> None:
        if not isinstance(vector, list) or len(vector) != self.dimension:
            size = len(vector) if isinstance(vector, list) else type(vector).__name__
            raise EmbeddingFailed(
                f"{self.model_id} returned a vector of {size} values; the index needs {self.dimension}"
            )
        if not all(isinstance(value, int | float) and math.isfinite(value) for value in vector):
            raise EmbeddingFailed(f"{self.model_id} returned a non-finite or non-numeric value")
        if not any(vector):
            raise EmbeddingFailed(f"{self.model_id} returned an all-zero vector")


class TitanTextV2(EmbeddingModel):
    def request(self, texts: Sequence[str]) -> dict[str, Any]:
        return {"inputText": texts[0], "dimensions": self.dimension, "normalize": True}

    def embeddings(self, response: dict[str, Any], count: int) -> list[Embedding]:
        if "embedding" not in response:
            raise EmbeddingFailed(f"{self.model_id}: response has no 'embedding'")
        return [Embedding(response["embedding"], response.get("inputTextTokenCount"))]


class TitanTextV1(TitanTextV2):
    def request(self, texts: Sequence[str]) -> dict[str, Any]:
        return {"inputText": texts[0]}


class CohereEmbedV3(EmbeddingModel):
    texts_per_call = 96

    def request(self, texts: Sequence[str]) -> dict[str, Any]:
        # truncate NONE: an over-long chunk is an error, never silently cut.
        return {"texts": list(texts), "input_type": "search_document", "truncate": "NONE"}

    def embeddings(self, response: dict[str, Any], count: int) -> list[Embedding]:
        vectors = response.get("embeddings")
        if not isinstance(vectors, list) or len(vectors) != count:
            got = len(vectors) if isinstance(vectors, list) else "no"
            raise EmbeddingFailed(f"{self.model_id}: {got} embeddings for {count} texts")
        return [Embedding(vector, None) for vector in vectors]


MODELS: dict[str, type[EmbeddingModel]] = {
    "amazon.titan-embed-text-v2:0": TitanTextV2,
    "amazon.titan-embed-text-v1": TitanTextV1,
    "cohere.embed-english-v3": CohereEmbedV3,
    "cohere.embed-multilingual-v3": CohereEmbedV3,
}


def model_for(model_id: str, dimension: int) -> EmbeddingModel:
    try:
        return MODELS[model_id](model_id, dimension)
    except KeyError:
        raise EmbeddingFailed(f"no request format known for model {model_id!r}") from None
