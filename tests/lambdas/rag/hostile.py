"""A hostile-document corpus, generated: each case is small on disk and costly to parse naively."""

from __future__ import annotations

import zlib


def shared_stream_pdf(pages: int = 5, operations: int = 40_000) -> bytes:
    """A PDF whose `pages` pages all draw one compressed content stream of `operations` text runs."""
    content = b"BT /F1 9 Tf 10 10 Td " + b"(word ) Tj 1 0 Td " * operations + b"ET"
    stream = zlib.compress(content, 9)
    kids = " ".join(f"{4 + index} 0 R" for index in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Length "
        + str(len(stream)).encode()
        + b" /Filter /FlateDecode >>\nstream\n"
        + stream
        + b"\nendstream",
    ]
    font = 4 + pages
    for _ in range(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    return _pdf(objects)


def many_pages_pdf(pages: int) -> bytes:
    """A PDF of `pages` pages sharing one tiny content stream (a page-count bomb, small on disk)."""
    return shared_stream_pdf(pages=pages, operations=1)


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def deep_html(depth: int) -> bytes:
    """`depth` nested `<div>`s around one sentence."""
    return b"<html><body>" + b"<div>" * depth + b"<p>Deep text.</p>" + b"</div>" * depth + b"</body></html>"


def dense_html(size: int) -> bytes:
    """About `size` bytes of tiny elements, a few characters of text each (a tree-size bomb)."""
    units, length, number = [], 0, 0
    while length < size:
        unit = f"<span><b>a</b><i>{number}</i></span>".encode()
        units.append(unit)
        length += len(unit)
        number += 1
    return b"<html><body><p>" + b"".join(units) + b"</p></body></html>"


def huge_text(size: int) -> bytes:
    """About `size` bytes of prose in numbered paragraphs (no two chunks alike)."""
    paragraphs, length, number = [], 0, 0
    while length < size:
        paragraph = f"Paragraph {number} is ordinary prose about ingestion step {number * 7 % 1009}. " * 8
        paragraphs.append(paragraph.encode() + b"\n\n")
        length += len(paragraphs[-1])
        number += 1
    return b"".join(paragraphs)[:size]


def unbroken_text(size: int) -> bytes:
    """`size` bytes without a space or line break (defeats a splitter's boundary search)."""
    return (b"0123456789abcdef" * (size // 16 + 1))[:size]


ENCODED_TEXT = {
    "utf-16-bom.txt": "Grüße aus Köln: UTF-16 with a byte-order mark, café.\n",
    "utf-16-no-bom.txt": "Grüße aus Köln: UTF-16 without a byte-order mark, café.\n",
    "utf-8-bom.txt": "Naïve café notes, UTF-8 with a BOM, über.\n",
    "latin-1.txt": "Déjà vu: café, façade, über, ½ and ©.\n",
    "cp1252.txt": "Smart “quotes” \u2013 dashes \u2014 and € in Windows-1252 at the café.\n",
}
_CODECS = {
    "utf-16-bom.txt": "utf-16",
    "utf-16-no-bom.txt": "utf-16-le",
    "utf-8-bom.txt": "utf-8-sig",
    "latin-1.txt": "latin-1",
    "cp1252.txt": "cp1252",
}
ENCODED = {name: text.encode(_CODECS[name]) for name, text in ENCODED_TEXT.items()}
