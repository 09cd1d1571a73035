"""Parse and Chunk inside bounds: a child process with CPU and memory limits, and document caps.

Every case of the generated hostile corpus ends parsed (or chunked) or failed with the permanent
`DocumentTooComplex`; none raises RecursionError, exhausts the handler's memory or runs unbounded.
"""

from __future__ import annotations

import json

import pytest
from rag import chunk, contract, parse, parsers, sandbox
from rag.errors import PERMANENT_ERRORS, CorruptDocument, DocumentTooComplex
from rag.limits import Limits

from tests.lambdas.rag import hostile
from tests.lambdas.rag.ragaws import ARTIFACTS, invoke

SMALL = Limits(cpu_seconds=1, memory_mb=512)


def _parse(body: bytes, name: str, limits: Limits = Limits()) -> sandbox.Outcome:
    return sandbox.run("parse", {"contentType": "", "name": name}, body, limits)


def test_a_pdf_whose_pages_share_one_costly_stream_fails_on_cpu_time():
    with pytest.raises(DocumentTooComplex, match="CPU"):
        _parse(hostile.shared_stream_pdf(pages=5, operations=200_000), "shared.pdf", SMALL)
    assert "DocumentTooComplex" in PERMANENT_ERRORS


def test_a_pdf_with_more_pages_than_the_cap_fails_by_name():
    with pytest.raises(DocumentTooComplex, match="maxDocumentPages"):
        _parse(hostile.many_pages_pdf(30), "pages.pdf", Limits(max_pages=20))
    assert "word" in _parse(hostile.many_pages_pdf(20), "pages.pdf", Limits(max_pages=20)).result["text"]


def test_deep_html_is_walked_iteratively_up_to_the_nesting_cap():
    deep = _parse(hostile.deep_html(2_000), "deep.html", Limits(max_html_depth=5_000)).result
    assert deep["text"] == "Deep text."  # no RecursionError at 2,000 levels
    with pytest.raises(DocumentTooComplex, match="maxHtmlDepth"):
        _parse(hostile.deep_html(1_000), "deep.html")


def test_dense_html_parses_in_bounded_memory():
    outcome = _parse(hostile.dense_html(4_000_000), "dense.html", Limits(memory_mb=256))
    assert outcome.result["text"].startswith("a0a1a2")
    assert 0 < outcome.peak_memory_mb < 256


def test_text_beyond_the_character_cap_fails_by_name_and_under_it_parses():
    body = hostile.huge_text(300_000)
    with pytest.raises(DocumentTooComplex, match="maxTextCharacters"):
        _parse(body, "huge.txt", Limits(max_characters=200_000))
    with pytest.raises(DocumentTooComplex, match="maxTextCharacters"):
        _parse(b"<p>" + body + b"</p>", "huge.html", Limits(max_characters=200_000))
    assert len(_parse(body, "huge.txt").result["text"]) > 290_000


def test_a_document_beyond_the_memory_limit_fails_by_name():
    with pytest.raises(DocumentTooComplex, match="memory"):
        _parse(hostile.huge_text(30_000_000), "huge.txt", Limits(memory_mb=120, max_characters=10**8))


def test_named_errors_of_the_child_are_raised_by_name_and_others_are_not_permanent():
    with pytest.raises(CorruptDocument):
        _parse(b"%PDF-1.7\nnot a pdf", "broken.pdf")
    with pytest.raises(sandbox.WorkerFailed):
        sandbox.run("unknown", {}, b"", Limits())
    assert "WorkerFailed" not in PERMANENT_ERRORS


def test_unbroken_text_chunks_in_sections_with_exact_offsets():
    text = hostile.unbroken_text(100_000).decode()
    outcome = sandbox.run(
        "chunk",
        {"format": "text", "tokenizer": "gpt-4", "tokens": 512, "overlap": 64},
        text.encode(),
        Limits(),
    )
    pieces = outcome.result
    assert pieces and all(text[start : start + len(piece)] == piece for start, piece in pieces)
    assert pieces[-1][0] + len(pieces[-1][1]) == len(text)


def test_the_parse_handler_fails_a_hostile_document_by_name(aws, monkeypatch):
    monkeypatch.setenv(contract.MAX_HTML_DEPTH_ENV, "64")
    aws.s3.put_object(Bucket=ARTIFACTS, Key="raw/doc/hash", Body=hostile.deep_html(100))
    document = {"rawKey": "raw/doc/hash", "documentId": "doc", "version": "v1", "name": "deep.html"}
    with pytest.raises(DocumentTooComplex):
        invoke(parse.handler, {"document": document})
    assert aws.artifact_keys("parsed/") == []


def test_the_chunk_handler_fails_by_name_beyond_its_cpu_time(aws, monkeypatch):
    monkeypatch.setenv(contract.WORKER_CPU_SECONDS_ENV, "1")
    text = hostile.unbroken_text(2_000_000).decode()
    aws.s3.put_object(
        Bucket=ARTIFACTS,
        Key="parsed/doc/v1.json",
        Body=json.dumps({"format": "text", "title": "", "text": text}),
    )
    document = {"documentId": "doc", "version": "v1", "source": "s3://b/k"}
    with pytest.raises(DocumentTooComplex, match="CPU"):
        invoke(chunk.handler, {"document": document, "parsed": {"parsedKey": "parsed/doc/v1.json"}})
    assert aws.artifact_keys("chunks/") == []


@pytest.mark.parametrize("name", sorted(hostile.ENCODED))
def test_encoded_texts_parse_to_their_characters(name):
    parsed = parsers.parse(hostile.ENCODED[name], "", name)
    for expected in ("ü", "é", "café", "€", "“quotes”"):
        if expected in hostile.ENCODED_TEXT[name]:
            assert expected in parsed.text
