"""The generated override table in localrun/README.md lists every override with its kind, reason and test."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from localrun import engine
from localrun.engine.override_table import (
    END,
    README,
    START,
    current_section,
    expected_table,
    replace_section,
)
from localrun.engine.overrides import KINDS, OverrideDeclarationError

ROOT = Path(__file__).resolve().parents[3]


def test_the_table_in_localrun_readme_is_up_to_date() -> None:
    assert current_section(README.read_text()) == expected_table(), (
        "run: python -m localrun.engine.override_table --write"
    )


def test_every_override_has_a_kind_a_reason_and_an_existing_test() -> None:
    undeclared = [
        override.name
        for override in engine.install()
        if override.kind not in KINDS or not override.why or not (ROOT / override.test).is_file()
    ]

    assert undeclared == []


def test_every_override_row_is_in_the_table() -> None:
    table = expected_table()

    assert all(f"| `{override.name}` |" in table for override in engine.install())


def test_only_the_section_between_the_markers_is_replaced() -> None:
    text = f"intro\n{START}\nold\n{END}\noutro\n"

    assert replace_section(text, "new\n") == f"intro\n{START}\nnew\n{END}\noutro\n"
    with pytest.raises(ValueError, match="exactly one"):
        replace_section("no markers\n", "new\n")


def test_a_module_that_does_not_declare_its_override_is_refused() -> None:
    module = types.ModuleType("undeclared_installer")
    sys.modules[module.__name__] = module
    try:
        with pytest.raises(OverrideDeclarationError, match="OVERRIDE_KIND"):
            exec(
                "from localrun.engine.overrides import replace\n"
                "class Target:\n    value = 1\n"
                "replace(Target, 'value', lambda original: 2)\n",
                module.__dict__,
            )
        assert module.__dict__["Target"].value == 1
    finally:
        del sys.modules[module.__name__]
