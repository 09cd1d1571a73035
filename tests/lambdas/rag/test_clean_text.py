"""Clean text: code keeps its lines, boilerplate goes by role and generator markup, headings stay
with their sections, and text in UTF-16, UTF-8 with a BOM or a legacy 8-bit encoding is read.

The small corpus below imitates what Sphinx, DocBook XSL and ARIA-marked sites generate.
"""

from __future__ import annotations

import codecs

import pytest
from rag import chunking, parsers, text_encoding
from rag.errors import CorruptDocument

SPHINX = b"""<!DOCTYPE html><html><head><title>asyncio \xe2\x80\x94 Python docs</title></head><body>
<div class="related" role="navigation"><h3>Navigation</h3><ul><li><a href="i">index</a></li>
<li><a href="m">modules</a> |</li><li><a href="n">next</a> |</li></ul></div>
<div class="document"><div class="body" role="main">
<h1>asyncio<a class="headerlink" href="#a">\xc2\xb6</a></h1>
<p>asyncio is a library to write concurrent code.</p>
<div class="highlight"><pre><span class="c1"># install it</span>
pip install thing

<span class="c1"># run it</span>
    python -m thing --fast
</pre></div>
<p>More prose after the code.</p>
</div></div>
<div class="sphinxsidebar" role="navigation"><h3>Table of contents</h3><p>Quick search</p></div>
<div class="footer">&copy; Copyright 2001. Created using <a href="s">Sphinx</a> 8.2.</div>
</body></html>"""

DOCBOOK = b"""<html><head><title>Chapter 2. Setup</title></head><body>
<div class="navheader"><table><tr><th>Chapter 2. Setup</th></tr>
<tr><td>Prev</td><td>Next</td></tr></table></div>
<div class="chapter"><h2>Setup</h2><p>Install the package first.</p></div>
<div class="navfooter"><table><tr><td>Up</td><td>Home</td></tr></table></div></body></html>"""

ROLES = b"""<html><body><div role="banner">Site banner</div><header>Header links</header>
<div role="navigation">Docs | Blog</div><aside>Related posts</aside>
<p>The only content.</p><div role="contentinfo">Imprint</div><footer>Footer text</footer></body></html>"""


def test_code_blocks_keep_their_lines_and_a_hash_line_is_not_a_heading():
    text = parsers.parse(SPHINX, "text/html", "asyncio.html").text
    assert "```\n# install it\npip install thing\n\n# run it\n    python -m thing --fast\n```" in text
    pieces = chunking.split(text, "html", tokenizer="gpt-4", tokens=512, overlap=0)
    assert len(pieces) == 1 and "# install it\npip install thing" in pieces[0].text


def test_sphinx_navigation_sidebar_and_footer_are_dropped():
    parsed = parsers.parse(SPHINX, "text/html", "asyncio.html")
    assert parsed.title == "asyncio \u2014 Python docs"
    assert parsed.text.startswith("# asyncio\n\nasyncio is a library")
    assert parsed.text.endswith("More prose after the code.")
    for boilerplate in ("Navigation", "modules", "Quick search", "Created using", "Copyright", "\u00b6"):
        assert boilerplate not in parsed.text


def test_docbook_navigation_is_dropped():
    assert parsers.parse(DOCBOOK, "text/html", "ch02.html").text == "## Setup\n\nInstall the package first."


def test_boilerplate_is_dropped_by_element_and_role():
    assert parsers.parse(ROLES, "text/html", "page.html").text == "The only content."


def test_heading_only_chunks_join_their_section():
    section = " ".join(f"Sentence {n} of the fixes section says something specific." for n in range(40))
    text = f"# Release notes\n\n#### Fixes\n\n{section}\n\n## Trailing heading\n"
    pieces = chunking.split(text, "markdown", tokenizer="gpt-4", tokens=64, overlap=0)
    fits = chunking.MarkdownSplitter.from_tiktoken_model("gpt-4", 64)
    assert all(fits.chunks(piece.text) == [piece.text] for piece in pieces)
    assert not any(chunking.heading_only(piece.text) for piece in pieces)
    assert pieces[0].text.startswith("# Release notes\n\n#### Fixes\n\nSentence 0")
    assert all(text[piece.start : piece.end] == piece.text for piece in pieces)


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        (codecs.BOM_UTF16_LE + "Grüße".encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + "Grüße".encode("utf-16-be"), "utf-16-be"),
        ("Grüße, no BOM".encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF8 + "Grüße".encode(), "utf-8"),
        ("Grüße".encode(), "utf-8"),
        ("Grüße \u201cquoted\u201d".encode("cp1252"), "cp1252"),
        ("Grüße".encode("latin-1"), "cp1252"),
    ],
)
def test_encodings_are_detected_with_a_legacy_8_bit_fallback(body, encoding):
    decoded = text_encoding.decode(body)
    assert decoded.encoding == encoding and decoded.text.startswith("Grüße")


def test_a_utf16_text_without_a_name_is_text_not_binary():
    body = "Notes in UTF-16.\n".encode("utf-16")
    assert parsers.detect_format("", "", body) == "text"
    assert parsers.parse(body, "", "").text == "Notes in UTF-16."


def test_html_declares_its_charset_and_binary_is_refused():
    html = b'<html><head><meta charset="iso-8859-15"></head><body><p>\xa4 5</p></body></html>'
    assert parsers.parse(html, "text/html", "p.html").text == "\u20ac 5"
    with pytest.raises(CorruptDocument, match="binary"):
        text_encoding.decode(bytes(range(1, 32)) * 10)
