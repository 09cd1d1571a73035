"""Chunk: token-bounded chunks with overlap, heading boundaries, offsets and deterministic ids."""

from __future__ import annotations

import itertools
import json

from rag import chunk, chunking, documents
from semantic_text_splitter import TextSplitter

from tests.lambdas.rag.ragaws import LONG_MARKDOWN, invoke


def _chunks(aws, text: str, document_format: str = "markdown") -> tuple[dict, list[dict]]:
    aws.s3.put_object(
        Bucket="rag-artifacts",
        Key="parsed/doc/v1.json",
        Body=json.dumps({"format": document_format, "title": "t", "text": text}),
    )
    document = {"documentId": "doc", "version": "v1", "source": "s3://b/k"}
    result = invoke(chunk.handler, {"document": document, "parsed": {"parsedKey": "parsed/doc/v1.json"}})
    rows = [json.loads(line) for line in aws.artifact(result["chunksKey"]).decode().splitlines()]
    return result, rows


def test_chunks_have_ids_offsets_and_bounded_token_counts(aws):
    text = LONG_MARKDOWN.decode()
    result, rows = _chunks(aws, text)
    assert result == {"chunksKey": "chunks/doc/v1.jsonl", "count": len(rows)}
    assert len(rows) > 4
    fits = TextSplitter.from_tiktoken_model("gpt-4", 64)  # CHUNK_TOKENS of the test environment
    for index, row in enumerate(rows):
        assert row["id"] == documents.chunk_key("doc", "v1", index) == f"doc#v1#{index:05d}"
        assert row["index"] == index
        assert text[row["start"] : row["end"]] == row["text"]
        assert fits.chunks(row["text"]) == [row["text"]], "chunk exceeds 64 tokens"
    assert all(row["text"].count("\n## ") == 0 for row in rows), "a chunk spans two sections"


def test_consecutive_chunks_overlap_within_a_long_section():
    text = " ".join(f"Word{number} is part of one very long paragraph." for number in range(200))
    pieces = chunking.split(text, "text", tokenizer="gpt-4", tokens=64, overlap=16)
    assert len(pieces) > 5
    assert all(later.start < earlier.end for earlier, later in itertools.pairwise(pieces))
    no_overlap = chunking.split(text, "text", tokenizer="gpt-4", tokens=64, overlap=0)
    assert all(later.start >= earlier.end for earlier, later in itertools.pairwise(no_overlap))


def test_chunking_is_deterministic(aws):
    text = LONG_MARKDOWN.decode()
    _, first = _chunks(aws, text)
    _, second = _chunks(aws, text)
    assert first == second
