"""EMULATION of Amazon Titan Text Embeddings V2 (bedrock-runtime InvokeModel), for local runs only.

moto's bedrock-runtime answers `{}`. localrun answers Titan V2's request/response shapes with a
deterministic feature-hashing embedding: lower-cased word unigrams and bigrams are hashed into
`dimensions` buckets with a hash-derived sign, then L2-normalized (unless `"normalize": false`).
Texts sharing words get similar vectors, so retrieval and validation steps behave plausibly; the
numbers are NOT Titan's and carry no semantics beyond word overlap. `inputTextTokenCount` counts
word and punctuation tokens (an approximation of Titan's tokenizer).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from typing import Any

from stacks.rag.embedding_models import EMBEDDING_MODELS

MODEL_ID = "amazon.titan-embed-text-v2:0"
_SPEC = EMBEDDING_MODELS[MODEL_ID]
DIMENSIONS = _SPEC.dimensions
DEFAULT_DIMENSIONS = 1024
# Bedrock's documented input limits (the project's one table). Titan's tokenizer is not public:
# tokens are counted as below, an approximation.
MAX_INPUT_CHARACTERS = _SPEC.max_input_characters
MAX_INPUT_TOKENS = _SPEC.max_input_tokens
REQUEST_KEYS = frozenset({"inputText", "dimensions", "normalize", "embeddingTypes"})
_WORD = re.compile(r"\w+", re.UNICODE)
_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)


class EmbeddingRequestError(ValueError):
    """The request breaks Titan V2's contract (Bedrock answers ValidationException)."""


def handles(model_id: str) -> bool:
    """True for the Titan V2 model id, or an ARN (foundation model / inference profile) ending in it."""
    return model_id == MODEL_ID or model_id.endswith(f"/{MODEL_ID}")


def embed(request: dict[str, Any]) -> dict[str, Any]:
    """Titan V2 InvokeModel: `{"inputText", "dimensions"?, "normalize"?, "embeddingTypes"?}`."""
    extraneous = sorted(set(request) - REQUEST_KEYS)
    if extraneous:
        raise EmbeddingRequestError(
            f"Malformed input request: extraneous key [{extraneous[0]}] is not permitted, please reformat "
            "your input and try again."
        )
    text = request.get("inputText")
    if not isinstance(text, str) or not text.strip():
        raise EmbeddingRequestError("Malformed input request: inputText must be a non-empty string")
    if MAX_INPUT_CHARACTERS is not None and len(text) > MAX_INPUT_CHARACTERS:
        raise EmbeddingRequestError(
            f"Malformed input request: inputText exceeds {MAX_INPUT_CHARACTERS} characters"
        )
    tokens = len(_TOKEN.findall(text))
    if tokens > MAX_INPUT_TOKENS:
        raise EmbeddingRequestError(
            f"Too many input tokens. Max input tokens: {MAX_INPUT_TOKENS}, "
            f"request input token count: {tokens}"
        )
    dimensions = request.get("dimensions", DEFAULT_DIMENSIONS)
    if dimensions not in DIMENSIONS:
        raise EmbeddingRequestError(f"Malformed input request: dimensions must be one of {list(DIMENSIONS)}")
    normalize = request.get("normalize", True)
    types = request.get("embeddingTypes", ["float"])
    if not set(types) <= {"float", "binary"} or not types:
        raise EmbeddingRequestError("Malformed input request: embeddingTypes must be float/binary")
    vector = hashed_vector(text, dimensions)
    if normalize:
        vector = _normalized(vector)
    response: dict[str, Any] = {
        "embedding": vector,
        "inputTextTokenCount": tokens,
    }
    if "embeddingTypes" in request:
        by_type: dict[str, Any] = {}
        if "float" in types:
            by_type["float"] = vector
        if "binary" in types:
            by_type["binary"] = [1 if value > 0 else 0 for value in vector]
        response["embeddingsByType"] = by_type
    return response


def hashed_vector(text: str, dimensions: int) -> list[float]:
    words = [word.lower() for word in _WORD.findall(text)]
    features = words + [f"{left} {right}" for left, right in itertools.pairwise(words)]
    vector = [0.0] * dimensions
    for feature in features:
        digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
        bucket = int.from_bytes(digest[:4], "big") % dimensions
        sign = 1.0 if digest[4] & 1 else -1.0
        weight = 1.0 if " " not in feature else 0.5
        vector[bucket] += sign * weight
    return vector


def _normalized(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(value * value for value in vector))
    return vector if norm == 0 else [value / norm for value in vector]
