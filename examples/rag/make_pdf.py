"""Build a small, real text PDF with pypdf (used for the sample corpus and by the tests).

.venv/bin/python examples/rag/make_pdf.py   # rewrites examples/rag/corpus/handbook.pdf
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

PAGE_WIDTH, PAGE_HEIGHT = 612, 792
LINE_HEIGHT = 16
# pypdf always writes the optional "binary file" comment after the header. These PDFs hold only
# ASCII, so an ASCII comment of the same length keeps every byte offset (and the file valid)
# while letting the sample files carry the PDF as a JSON string.
BINARY_MARKER, ASCII_MARKER = b"\n%\xe2\xe3\xcf\xd3\n", b"\n%text\n"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_pdf(pages: Sequence[Sequence[str]], title: str) -> bytes:
    """A PDF with one page per entry of `pages`, each line drawn in Helvetica 12 pt."""
    writer = PdfWriter()
    font = writer._add_object(  # pypdf has no public "add font" helper
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    )
    for lines in pages:
        page = writer.add_blank_page(PAGE_WIDTH, PAGE_HEIGHT)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        commands = ["BT", "/F1 12 Tf", f"{LINE_HEIGHT} TL", f"72 {PAGE_HEIGHT - 72} Td"]
        commands += [f"({_escape(line)}) Tj T*" for line in lines]
        commands.append("ET")
        content = DecodedStreamObject()
        content.set_data("\n".join(commands).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(content)
    writer.add_metadata({"/Title": title, "/Producer": "stepwise examples"})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue().replace(BINARY_MARKER, ASCII_MARKER, 1)


def blank_pdf() -> bytes:
    """A valid PDF whose only page has no text layer (like a scanned page)."""
    writer = PdfWriter()
    writer.add_blank_page(PAGE_WIDTH, PAGE_HEIGHT)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


HANDBOOK = (
    (
        "Stepwise Operations Handbook",
        "",
        "This handbook explains how the platform team operates the ingestion pipeline.",
        "Every document moves through six steps: fetch, parse, chunk, embed, upsert and validate.",
        "A document whose content hash did not change since the last run is skipped.",
    ),
    (
        "On-call duties",
        "",
        "The on-call engineer watches the failed-execution alarm of the ingestion run.",
        "A failed document never blocks the others: read its line in the run report first.",
        "Throttled embedding calls are retried with backoff before a document is failed.",
    ),
)


def main() -> None:
    target = Path(__file__).resolve().parent / "corpus" / "handbook.pdf"
    target.write_bytes(text_pdf(HANDBOOK, "Stepwise Operations Handbook"))
    sys.stdout.write(f"wrote {target}\n")


if __name__ == "__main__":
    main()
