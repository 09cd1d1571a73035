"""Token-bounded, overlapping chunks that respect headings and paragraphs (semantic-text-splitter).

The splitter counts tokens with a tiktoken vocabulary compiled into the library (no download at
run time). It is a proxy for the embedding model's own tokenizer, which is not published; chunk
sizes far below the model's input limit (8,192 tokens for Titan V2) leave ample margin.
"""

from __future__ import annotations

from dataclasses import dataclass

from semantic_text_splitter import MarkdownSplitter, TextSplitter

STRUCTURED_FORMATS = frozenset({"markdown", "html"})


@dataclass(frozen=True)
class Chunk:
    index: int
    start: int
    end: int
    text: str


def split(text: str, document_format: str, *, tokenizer: str, tokens: int, overlap: int) -> list[Chunk]:
    """Chunks in document order; `start`/`end` are character offsets into `text`."""
    splitter_type = MarkdownSplitter if document_format in STRUCTURED_FORMATS else TextSplitter
    splitter = splitter_type.from_tiktoken_model(tokenizer, tokens, overlap=overlap)
    return [
        Chunk(index=index, start=start, end=start + len(chunk), text=chunk)
        for index, (start, chunk) in enumerate(splitter.chunk_indices(text))
    ]
