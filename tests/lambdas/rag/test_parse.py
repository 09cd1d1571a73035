"""Parse: HTML, PDF, Markdown and text extraction, and the named errors for everything else."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import pytest
from pypdf import PdfWriter
from rag import parse, parsers
from rag.errors import CorruptDocument, NoExtractableText, UnsupportedFormat

from tests.lambdas.rag.ragaws import ARTIFACTS, invoke

CORPUS = Path(__file__).resolve().parents[3] / "examples" / "rag" / "corpus"
_spec = importlib.util.spec_from_file_location("make_pdf", CORPUS.parent / "make_pdf.py")
make_pdf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_pdf)


def test_handler_stores_the_parsed_text_under_the_version(aws):
    aws.s3.put_object(Bucket=ARTIFACTS, Key="raw/doc/hash", Body=(CORPUS / "release-notes.txt").read_bytes())
    document = {
        "rawKey": "raw/doc/hash",
        "documentId": "doc",
        "version": "v1",
        "contentType": "",
        "name": "release-notes.txt",
    }
    result = invoke(parse.handler, {"document": document})
    stored = json.loads(aws.artifact("parsed/doc/v1.json"))
    assert result == {
        "parsedKey": "parsed/doc/v1.json",
        "format": "text",
        "title": "Stepwise release notes",
        "characters": len(stored["text"]),
    }
    assert stored["text"].startswith("Stepwise release notes\n\nVersion 1.2 adds URL sources")


def test_html_keeps_content_and_structure_and_drops_scripts_and_navigation():
    parsed = parsers.parse(
        (CORPUS / "getting-started.html").read_bytes(), "text/html", "getting-started.html"
    )
    assert parsed.format == "html"
    assert parsed.title == "Getting started with Stepwise"
    assert parsed.text.startswith("# Getting started with Stepwise\n\nStepwise packages production-grade AWS")
    assert "## Ingest your first documents" in parsed.text
    assert "- Unchanged documents are skipped on the next run." in parsed.text
    for dropped in ("analytics", "console.log", "Pricing", "Copyright", "font-family"):
        assert dropped not in parsed.text


def test_html_without_title_uses_the_first_heading():
    parsed = parsers.parse(
        b"<body><div><h2>Only heading</h2>text <b>bold</b> end</div></body>", "text/html", ""
    )
    assert parsed.title == "Only heading"
    assert parsed.text == "## Only heading\n\ntext bold end"


def test_pdf_text_and_title_come_from_pypdf():
    parsed = parsers.parse((CORPUS / "handbook.pdf").read_bytes(), "", "handbook.pdf")
    assert (parsed.format, parsed.title) == ("pdf", "Stepwise Operations Handbook")
    assert "Every document moves through six steps" in parsed.text
    assert "On-call duties" in parsed.text


def test_corrupt_pdf_is_a_named_error():
    real = (CORPUS / "handbook.pdf").read_bytes()
    for broken in (b"%PDF-1.7\nthis is not a pdf at all", real[: len(real) // 3]):
        with pytest.raises(CorruptDocument):
            parsers.parse(broken, "application/pdf", "broken.pdf")


def test_pdf_without_a_text_layer_has_no_extractable_text():
    with pytest.raises(NoExtractableText):
        parsers.parse(make_pdf.blank_pdf(), "application/pdf", "scan.pdf")


def test_encrypted_pdf_is_unsupported():
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf.text_pdf([["secret"]], "Secret")))
    writer.encrypt("password", algorithm="RC4-40")
    output = io.BytesIO()
    writer.write(output)
    with pytest.raises(UnsupportedFormat):
        parsers.parse(output.getvalue(), "application/pdf", "secret.pdf")


def test_markdown_title_from_front_matter_or_first_heading():
    parsed = parsers.parse((CORPUS / "runbook.md").read_bytes(), "", "runbook.md")
    assert (parsed.format, parsed.title) == ("markdown", "Ingestion runbook")
    assert parsed.text.startswith("# Ingestion runbook")
    assert "owner: platform-team" not in parsed.text
    assert (
        parsers.parse(b"intro\n\nSetext title\n============\n", "text/markdown", "x").title == "Setext title"
    )
    fenced = b"```\n# not a heading\n```\n\n## Real heading\n"
    assert parsers.parse(fenced, "", "notes.md").title == "Real heading"


@pytest.mark.parametrize(
    ("body", "content_type", "name", "error"),
    [
        ((CORPUS / "architecture.rtf").read_bytes(), "", "architecture.rtf", UnsupportedFormat),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png", "logo.png", UnsupportedFormat),
        (b"PK\x03\x04 zip bytes", "application/octet-stream", "report.docx", UnsupportedFormat),
        (b"\x01\x02\x03\x04\x05 control bytes", "text/plain", "notes.txt", CorruptDocument),
        (b"text\x00with\x00nuls", "", "notes.txt", CorruptDocument),
        (b"   \n\n  ", "", "empty.txt", NoExtractableText),
        (b"<html><body><script>only()</script></body></html>", "text/html", "", NoExtractableText),
    ],
)
def test_unsupported_and_unreadable_documents_fail_with_named_errors(body, content_type, name, error):
    with pytest.raises(error):
        parsers.parse(body, content_type, name)


def test_format_detection_prefers_specific_types_then_extensions_then_bytes():
    assert parsers.detect_format("text/markdown", "a.txt", b"") == "markdown"
    assert parsers.detect_format("text/plain", "a.md", b"") == "markdown"
    assert parsers.detect_format("application/octet-stream", "", b"%PDF-1.4") == "pdf"
    assert parsers.detect_format("", "index", b"  <!DOCTYPE html><html>") == "html"
    assert parsers.detect_format("text/plain", "README", b"hello") == "text"
