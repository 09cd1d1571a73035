"""The embedding models the embed task can call: output dimensions and input limits, one table.

Limits are Amazon Bedrock's documented ones (user guide: "Amazon Titan Text Embeddings models" and
"Cohere Embed models"). The synth-time chunk check (`stacks/rag/settings.py`) and localrun's Titan
emulation (`localrun/emulation/titan.py`) both read this table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Chunks are counted with a tiktoken vocabulary; the models' tokenizers are not published. A chunk
# of N tiktoken tokens is taken to be at most N x TOKENIZER_SAFETY_FACTOR model tokens, and at most
# N x CHARACTERS_PER_TOKEN characters (English averages about 4 to 4.7 characters per token, per the
# Bedrock guide; text of long tokens beyond 6 still fails its document at Embed, never truncated).
TOKENIZER_SAFETY_FACTOR = 1.25
CHARACTERS_PER_TOKEN = 6


@dataclass(frozen=True)
class EmbeddingModelSpec:
    """What one Bedrock embedding model offers and accepts per input text."""

    dimensions: tuple[int, ...]
    max_input_tokens: int
    # None: Bedrock documents no character limit for the model.
    max_input_characters: int | None

    def max_chunk_tokens(self) -> int:
        """The largest chunk (tiktoken tokens, overlap included) that fits with the safety factors."""
        by_tokens = math.floor(self.max_input_tokens / TOKENIZER_SAFETY_FACTOR)
        if self.max_input_characters is None:
            return by_tokens
        return min(by_tokens, self.max_input_characters // CHARACTERS_PER_TOKEN)

    def limit_text(self) -> str:
        characters = f" or {self.max_input_characters:,} characters" if self.max_input_characters else ""
        return f"{self.max_input_tokens:,} tokens{characters} per text"

    def margin_text(self) -> str:
        return (
            f"with a {TOKENIZER_SAFETY_FACTOR}x tokenizer margin and {CHARACTERS_PER_TOKEN} characters "
            f"per token at most {self.max_chunk_tokens()} fit"
        )


EMBEDDING_MODELS: dict[str, EmbeddingModelSpec] = {
    # "up to 8,192 tokens or 50,000 characters".
    "amazon.titan-embed-text-v2:0": EmbeddingModelSpec((256, 512, 1024), 8_192, 50_000),
    # Titan Text Embeddings G1: 8,192 tokens; no character limit documented.
    "amazon.titan-embed-text-v1": EmbeddingModelSpec((1536,), 8_192, None),
    # Cohere Embed v3: 2,048 characters per text; Cohere gives 512 tokens as the model's input length.
    "cohere.embed-english-v3": EmbeddingModelSpec((1024,), 512, 2_048),
    "cohere.embed-multilingual-v3": EmbeddingModelSpec((1024,), 512, 2_048),
}
