"""Bytes -> text: byte-order marks, a declared HTML charset, UTF-8, then a legacy 8-bit fallback.

Order: a BOM (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) decides; UTF-16 without a BOM is recognised by
its NUL bytes in every other position; an HTML `<meta charset>` names a codec Python knows; valid
UTF-8 is UTF-8. Anything else is read as Windows-1252 (Latin-1 for the five bytes cp1252 leaves
undefined), the encoding of nearly all legacy 8-bit Western text; the result says so. Bytes that
decode to more than 1 % control characters are refused as binary (`CorruptDocument`).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from rag.errors import CorruptDocument

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
TEXT_BOMS = tuple(bom for bom, _ in BOMS)
FALLBACK = "cp1252"
SNIFF_BYTES = 4096
MAX_CONTROL_SHARE = 0.01
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def decode(body: bytes, *, html: bool = False) -> Decoded:
    """The document's text and the encoding it was read with."""
    for bom, encoding in BOMS:
        if body.startswith(bom):
            return _checked(_strict(body[len(bom) :], encoding), encoding)
    utf16 = _utf16_without_bom(body[:SNIFF_BYTES])
    if utf16:
        return _checked(_strict(body, utf16), utf16)
    if b"\x00" in body[:8192]:
        raise CorruptDocument("binary content (NUL bytes) in a text document")
    if html:
        declared = _declared_charset(body[:SNIFF_BYTES])
        if declared:
            try:
                return _checked(body.decode(declared), declared)
            except UnicodeDecodeError:
                pass
    try:
        return _checked(body.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    return _checked(_legacy(body), FALLBACK)


def _strict(body: bytes, encoding: str) -> str:
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as error:
        raise CorruptDocument(f"text is not valid {encoding} (byte {error.start})") from None


def _checked(text: str, encoding: str) -> Decoded:
    sample = text[: SNIFF_BYTES * 4]
    if sample and len(_CONTROL.findall(sample)) > MAX_CONTROL_SHARE * len(sample):
        raise CorruptDocument(f"binary content: control characters in a text document read as {encoding}")
    return Decoded(text, encoding)


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text of mostly ASCII characters has a NUL in every other byte."""
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _declared_charset(head: bytes) -> str | None:
    match = _META_CHARSET.search(head)
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return None


def _legacy(body: bytes) -> str:
    """Windows-1252, with its five undefined bytes read as Latin-1 (which never fails)."""
    return body.decode(FALLBACK, errors="latin1_fallback")


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("latin1_fallback", _latin1_fallback)
