"""Every workflow's contract module (`lambdas/<workflow>/contract.py`) stays import-free."""

from __future__ import annotations

from pathlib import Path

import pytest

from stacks.common.contracts import forbidden_imports

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = sorted((ROOT / "lambdas").glob("*/contract.py"))


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda path: path.parent.name)
def test_contract_imports_only_standard_library_basics(path: Path) -> None:
    assert forbidden_imports(path.read_text()) == set()
