"""Format detection and text extraction: HTML (BeautifulSoup), PDF (pypdf), Markdown and plain text.

HTML is rendered as light Markdown (headings as `#`, list items as `-`, blocks as paragraphs) so
that the chunker can respect its structure the same way it does for Markdown sources.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from rag.errors import CorruptDocument, NoExtractableText, UnsupportedFormat

FORMATS = ("html", "pdf", "markdown", "text")
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
_DROPPED_TAGS = (
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "button", "svg", "canvas", "iframe", "object", "embed", "head",
)  # fmt: skip
_BLOCK_TAGS = frozenset(
    (
        "address", "article", "blockquote", "caption", "dd", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main", "ol", "p",
        "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    )
)  # fmt: skip
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
    described = content_type or "no content type"
    raise UnsupportedFormat(f"{name or 'document'} ({described}) is not HTML, PDF, Markdown or text")


def parse(body: bytes, content_type: str, name: str) -> Parsed:
    document_format = detect_format(content_type, name, body)
    parser = {"html": parse_html, "pdf": parse_pdf, "markdown": parse_markdown, "text": parse_text}
    parsed = parser[document_format](body)
    if not parsed.text.strip():
        raise NoExtractableText(f"{name or 'document'}: no text found in the {document_format}")
    fallback = PurePosixPath(name).stem if name else ""
    return Parsed(parsed.format, _clip(parsed.title or fallback), parsed.text)


def decode_text(body: bytes) -> str:
    if b"\x00" in body[:8192]:
        raise CorruptDocument("binary content (NUL bytes) in a text document")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CorruptDocument(f"text is not valid UTF-8 (byte {error.start})") from None


def parse_text(body: bytes) -> Parsed:
    text = _normalize(decode_text(body))
    return Parsed("text", _first_line(text), text)


def parse_markdown(body: bytes) -> Parsed:
    from markdown_it import MarkdownIt

    source = decode_text(body).replace("\r\n", "\n")
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


def parse_html(body: bytes) -> Parsed:
    from bs4 import BeautifulSoup, Comment, NavigableString, Tag

    soup = BeautifulSoup(body, "html.parser")
    title_tag = soup.find("title")
    title = title_tag.get_text(" ", strip=True) if title_tag else ""
    root = soup.find("main") or soup.find("article") or soup.body or soup
    for tag in root.find_all(_DROPPED_TAGS):
        tag.decompose()

    blocks: list[str] = []
    current: list[str] = []

    def flush(prefix: str = "") -> None:
        text = _SPACES.sub(" ", "".join(current)).strip()
        current.clear()
        if text:
            blocks.append(prefix + text)

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                current.append(str(child).replace("\n", " "))
            elif isinstance(child, Tag):
                if child.name == "br":
                    current.append(" ")
                elif child.name in _BLOCK_TAGS:
                    flush()
                    walk(child)
                    flush(_block_prefix(child.name))
                else:
                    walk(child)

    walk(root)
    flush()
    if not title:
        heading = root.find(["h1", "h2"])
        title = heading.get_text(" ", strip=True) if heading else ""
    text = "\n\n".join(blocks)
    return Parsed("html", title, text)


def parse_pdf(body: bytes) -> Parsed:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(body), strict=False)
        if reader.is_encrypted:
            raise UnsupportedFormat("encrypted PDFs are not ingested")
        pages = [page.extract_text() or "" for page in reader.pages]
        metadata = reader.metadata
        title = (metadata.title if metadata else None) or ""
    except UnsupportedFormat:
        raise
    except PdfReadError as error:
        raise CorruptDocument(f"unreadable PDF: {error}") from None
    except Exception as error:  # pypdf raises many types on malformed input; all mean "corrupt"
        raise CorruptDocument(f"unreadable PDF: {type(error).__name__}: {error}") from None
    if not pages:
        raise CorruptDocument("the PDF has no pages")
    text = _normalize("\n\n".join(page.strip() for page in pages))
    return Parsed("pdf", str(title).strip() or _first_line(text), text)


def _block_prefix(tag: str) -> str:
    if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
        return "#" * int(tag[1]) + " "
    return "- " if tag == "li" else ""


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
