"""README.md's "Failure handling" section is the rendering of `failure_doc.render()`."""

from __future__ import annotations

import pytest

from tests.resilience.failure_doc import END, README, START, current_section, render, replace_section


def test_the_readme_failure_handling_section_is_up_to_date() -> None:
    assert current_section(README.read_text()) == render(), (
        "README.md's Failure handling section is stale: run `python -m tests.resilience.failure_doc --write`"
    )


def test_only_the_section_between_the_markers_is_replaced() -> None:
    text = f"intro\n{START}\nold\n{END}\noutro\n"
    assert replace_section(text, "new\n") == f"intro\n{START}\nnew\n{END}\noutro\n"
    with pytest.raises(ValueError, match="exactly one"):
        replace_section("no markers\n", "new\n")
