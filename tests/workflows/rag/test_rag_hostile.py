"""The generated hostile corpus through localrun: each document ingested or failed by name, once.

A document beyond a parse bound fails with the permanent `DocumentTooComplex`; the next run skips
it without fetching its parse again, until its bytes change.
"""

from __future__ import annotations

from tests.lambdas.rag import hostile
from tests.support.worlds.rag import PREFIX


def _invoked(result, state: str) -> int:
    return sum(1 for invocation in result.invocations if invocation.state == state)


def test_hostile_documents_end_ingested_or_failed_by_name_and_failures_are_not_redone(runner, plane):
    corpus = {
        "deep.html": hostile.deep_html(1_000),
        "pages.pdf": hostile.many_pages_pdf(2_001),
        "dense.html": hostile.dense_html(200_000),
        "shared.pdf": hostile.shared_stream_pdf(pages=5, operations=200),
        "huge.txt": hostile.huge_text(200_000),
        **hostile.ENCODED,
    }
    for name, body in corpus.items():
        plane.put(name, body)

    first = runner.run({"prefix": PREFIX}, timeout=300)

    assert first.status == "SUCCEEDED", first.cause
    lines = plane.report(first)[1]
    outcomes = {name: (line["status"], line.get("error")) for name, line in lines.items()}
    assert outcomes == {
        "deep.html": ("failed", "DocumentTooComplex"),
        "pages.pdf": ("failed", "DocumentTooComplex"),
        **{name: ("ingested", None) for name in corpus if name not in ("deep.html", "pages.pdf")},
    }
    assert "maxHtmlDepth" in lines["deep.html"]["message"]
    assert "maxDocumentPages" in lines["pages.pdf"]["message"]
    for name in ("deep.html", "pages.pdf"):
        item = plane.registry_item(name)
        assert (item["failedPermanently"], item["failedVersion"]) == (True, lines[name]["version"])
        assert plane.document_keys(name) == []

    second = runner.run({"prefix": PREFIX}, timeout=300)

    summary, lines = plane.report(second)
    assert summary["counts"]["unchanged"] == len(corpus)
    assert _invoked(second, "Parse") == 0
    assert lines["deep.html"]["error"] == "DocumentTooComplex" and lines["deep.html"]["indexed"] is False

    plane.put("deep.html", hostile.deep_html(100))
    third = runner.run({"prefix": PREFIX}, timeout=300)
    assert plane.report(third)[1]["deep.html"]["status"] == "ingested"
