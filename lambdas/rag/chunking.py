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

import re
from collections.abc import Iterator
from dataclasses import dataclass

from semantic_text_splitter import MarkdownSplitter, TextSplitter

STRUCTURED_FORMATS = frozenset({"markdown", "html"})
MIN_SECTION_CHARACTERS = 16_000
# A token is rarely more than 8 characters: a section then always holds several whole chunks.
SECTION_CHARACTERS_PER_TOKEN = 32
_BREAKS = ("\n\n", "\n", " ")
_HEADING_LINE = re.compile(r"#{1,6}(\s.*)?")


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
        for start, end in _without_bare_headings(section, splitter.chunk_indices(section), splitter):
            chunks.append(Chunk(len(chunks), offset + start, offset + end, section[start:end]))
    return chunks


def heading_only(piece: str) -> bool:
    """A chunk of Markdown heading lines and nothing else (its vector would match any such heading)."""
    lines = [line.strip() for line in piece.splitlines() if line.strip()]
    return bool(lines) and all(_HEADING_LINE.fullmatch(line) for line in lines)


def _without_bare_headings(
    section: str, pieces: list[tuple[int, str]], splitter: MarkdownSplitter | TextSplitter
) -> Iterator[tuple[int, int]]:
    """(start, end) of each chunk, a heading-only chunk joined to the chunk after it (its section).

    The join is kept only if it still fits the chunk size (the splitter returns it whole); otherwise,
    or when nothing follows it in the section, the heading-only chunk is left out: its vector would
    be near-identical to every other bare heading's and find nothing under it.
    """
    pending: int | None = None
    for start, piece in pieces:
        if heading_only(piece):
            pending = start if pending is None else pending
            continue
        end = start + len(piece)
        if pending is not None and pending < start:
            joined = section[pending:end]
            if splitter.chunks(joined) == [joined]:
                start = pending
        yield start, end
        pending = None
