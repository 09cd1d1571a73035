"""Token-bounded, overlapping chunks that respect headings and paragraphs (semantic-text-splitter).

The splitter counts tokens with a tiktoken vocabulary compiled into the library (no download at
run time). It is a proxy for the embedding model's own tokenizer, which is not published; chunk
sizes far below the model's input limit (8,192 tokens for Titan V2) leave ample margin.

Time is linear in the text: the splitter's search for split points grows faster than linearly
over a span without paragraph, line or word breaks (1 MB without spaces took 27 s in one call), so
the text is first cut into sections of at most `section_characters(tokens)` characters, at a
paragraph break if there is one in the section's second half, else a line break, else a space,
else anywhere. Chunks never cross a section boundary (a section holds many chunks).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from semantic_text_splitter import MarkdownSplitter, TextSplitter

STRUCTURED_FORMATS = frozenset({"markdown", "html"})
MIN_SECTION_CHARACTERS = 16_000
# A token is rarely more than 8 characters: a section then always holds several whole chunks.
SECTION_CHARACTERS_PER_TOKEN = 32
_BREAKS = ("\n\n", "\n", " ")


@dataclass(frozen=True)
class Chunk:
    index: int
    start: int
    end: int
    text: str


def section_characters(tokens: int) -> int:
    return max(MIN_SECTION_CHARACTERS, tokens * SECTION_CHARACTERS_PER_TOKEN)


def sections(text: str, limit: int) -> Iterator[tuple[int, str]]:
    """(offset, section) pieces of `text`, each at most `limit` characters, in order, covering it."""
    start = 0
    while start < len(text):
        end = min(len(text), start + limit)
        if end < len(text):
            for mark in _BREAKS:
                cut = text.rfind(mark, start + limit // 2, end)
                if cut > start:
                    end = cut + len(mark)
                    break
        yield start, text[start:end]
        start = end


def split(text: str, document_format: str, *, tokenizer: str, tokens: int, overlap: int) -> list[Chunk]:
    """Chunks in document order; `start`/`end` are character offsets into `text`."""
    splitter_type = MarkdownSplitter if document_format in STRUCTURED_FORMATS else TextSplitter
    splitter = splitter_type.from_tiktoken_model(tokenizer, tokens, overlap=overlap)
    chunks: list[Chunk] = []
    for offset, section in sections(text, section_characters(tokens)):
        for start, piece in splitter.chunk_indices(section):
            chunks.append(Chunk(len(chunks), offset + start, offset + start + len(piece), piece))
    return chunks
