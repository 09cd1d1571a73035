"""Format detection and text extraction: HTML (`html_text`), PDF (pypdf), Markdown and plain text.

HTML is rendered as light Markdown (headings as `#`, list items as `-`, blocks as paragraphs) so
that the chunker can respect its structure the same way it does for Markdown sources.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from rag import html_text, text_encoding
from rag.errors import CorruptDocument, DocumentTooComplex, NoExtractableText, UnsupportedFormat
from rag.limits import Limits

FORMATS = ("html", "pdf", "markdown", "text")
DEFAULT_LIMITS = Limits()
TITLE_LIMIT = 300
_TYPE_FORMATS = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
}
_EXTENSION_FORMATS = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
}
_SPACES = re.compile(r"[ \t\f\v\r\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)


@dataclass(frozen=True)
class Parsed:
    format: str
    title: str
    text: str


def detect_format(content_type: str, name: str, body: bytes) -> str:
    """Declared type first (when specific), then the file extension, then the leading bytes."""
    declared = _TYPE_FORMATS.get(content_type)
    if declared:
        return declared
    extension = _EXTENSION_FORMATS.get(PurePosixPath(name).suffix.lower())
    if extension:
        return extension
    if content_type == "text/plain":
        return "text"
    head = body[:1024].lstrip().lower()
    if head.startswith(b"%pdf-"):
        return "pdf"
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if body.startswith(text_encoding.TEXT_BOMS):
        return "text"
    described = content_type or "no content type"
    raise UnsupportedFormat(f"{name or 'document'} ({described}) is not HTML, PDF, Markdown or text")


def parse(body: bytes, content_type: str, name: str, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    """Title and text of a document, within `limits` (run it in `rag.sandbox` to bound CPU and memory)."""
    document_format = detect_format(content_type, name, body)
    parser = {"html": parse_html, "pdf": parse_pdf, "markdown": parse_markdown, "text": parse_text}
    parsed = parser[document_format](body, limits)
    if not parsed.text.strip():
        raise NoExtractableText(f"{name or 'document'}: no text found in the {document_format}")
    fallback = PurePosixPath(name).stem if name else ""
    return Parsed(parsed.format, _clip(parsed.title or fallback), parsed.text)


def decode_text(body: bytes, limits: Limits = DEFAULT_LIMITS) -> str:
    """The text of a text or Markdown document (see `text_encoding`), within `maxTextCharacters`."""
    text = text_encoding.decode(body).text
    if len(text) > limits.max_characters:
        raise DocumentTooComplex(
            f"{len(text)} characters of text, more than {limits.max_characters} (maxTextCharacters)"
        )
    return text


def parse_text(body: bytes, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    text = _normalize(decode_text(body, limits))
    return Parsed("text", _first_line(text), text)


def parse_markdown(body: bytes, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    from markdown_it import MarkdownIt

    source = decode_text(body, limits).replace("\r\n", "\n")
    title = ""
    front = _FRONT_MATTER.match(source)
    if front:
        source = source[front.end() :]
        for line in front.group(1).splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() == "title":
                title = value.strip().strip("'\"")
    if not title:
        tokens = MarkdownIt("commonmark").parse(source)
        for position, token in enumerate(tokens):
            if token.type == "heading_open" and position + 1 < len(tokens):
                title = tokens[position + 1].content
                break
    text = _normalize(source)
    return Parsed("markdown", title or _first_line(text), text)


def parse_html(body: bytes, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    text = text_encoding.decode(body, html=True).text
    title, extracted = html_text.extract(
        text, max_depth=limits.max_html_depth, max_characters=limits.max_characters
    )
    return Parsed("html", title, extracted)


def parse_pdf(body: bytes, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(body), strict=False)
        if reader.is_encrypted:
            raise UnsupportedFormat("encrypted PDFs are not ingested")
        count = len(reader.pages)
        if count > limits.max_pages:
            raise DocumentTooComplex(f"{count} pages, more than {limits.max_pages} (maxDocumentPages)")
        pages = []
        characters = 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            characters += len(pages[-1])
            if characters > limits.max_characters:
                raise DocumentTooComplex(
                    f"more than {limits.max_characters} characters of text (maxTextCharacters)"
                )
        metadata = reader.metadata
        title = (metadata.title if metadata else None) or ""
    except (UnsupportedFormat, DocumentTooComplex, MemoryError):
        raise
    except PdfReadError as error:
        raise CorruptDocument(f"unreadable PDF: {error}") from None
    except Exception as error:  # pypdf raises many types on malformed input; all mean "corrupt"
        raise CorruptDocument(f"unreadable PDF: {type(error).__name__}: {error}") from None
    if not pages:
        raise CorruptDocument("the PDF has no pages")
    text = _normalize("\n\n".join(page.strip() for page in pages))
    return Parsed("pdf", str(title).strip() or _first_line(text), text)


def _normalize(text: str) -> str:
    lines = [_SPACES.sub(" ", line).rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip().lstrip("# ").strip()
    return ""


def _clip(title: str) -> str:
    title = _SPACES.sub(" ", title).strip()
    return title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1] + "…"
