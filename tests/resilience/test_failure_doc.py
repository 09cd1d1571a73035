"""docs/failure-handling.md's generated section is the rendering of `failure_doc.render()`."""

from __future__ import annotations

import pytest

from tests.resilience.failure_doc import DOC, END, START, current_section, render, replace_section


def test_the_failure_handling_doc_is_up_to_date() -> None:
    assert current_section(DOC.read_text()) == render(), (
        "docs/failure-handling.md is stale: run `python -m tests.resilience.failure_doc --write`"
    )


def test_only_the_section_between_the_markers_is_replaced() -> None:
    text = f"intro\n{START}\nold\n{END}\noutro\n"
    assert replace_section(text, "new\n") == f"intro\n{START}\nnew\n{END}\noutro\n"
    with pytest.raises(ValueError, match="exactly one"):
        replace_section("no markers\n", "new\n")
