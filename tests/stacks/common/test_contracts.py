import pytest

from stacks.common.contracts import ContractMissing, forbidden_imports, handler_contract


def test_a_contract_is_loaded_by_path_once(tmp_path):
    package = tmp_path / "sample"
    package.mkdir()
    (package / "contract.py").write_text(
        'from __future__ import annotations\n\nTABLE_ENV = "SAMPLE_TABLE"\nERRORS = ("SampleFailed",)\n'
    )

    contract = handler_contract("sample", tmp_path)

    assert (contract.TABLE_ENV, contract.ERRORS) == ("SAMPLE_TABLE", ("SampleFailed",))
    assert handler_contract("sample", tmp_path) is contract


def test_a_missing_contract_is_named(tmp_path):
    with pytest.raises(ContractMissing, match=r"absent/contract\.py does not exist"):
        handler_contract("absent", tmp_path)


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("import boto3\n", {"boto3"}),
        ("from shared.environment import required\n", {"shared"}),
        ("from . import errors\n", {"."}),
        ("from .errors import Failed\n", {"."}),
        ("import os.path\n", {"os"}),
        ("from __future__ import annotations\nfrom enum import Enum\nfrom typing import Final\n", set()),
    ],
)
def test_a_contract_may_import_only_the_standard_library_basics(source, forbidden):
    assert forbidden_imports(source) == forbidden
