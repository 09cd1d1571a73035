"""`lambdas/rag/contract.py`: the names the rag construct and handlers share mean the same on both sides."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from rag import contract, errors, layout, registry

from shared.errors import TaskError
from stacks.common.contracts import handler_contract

ERROR_NAMES = (
    contract.INVALID_INPUT,
    contract.FETCH_TIMEOUT,
    contract.SOURCE_UNAVAILABLE,
    contract.EMBEDDING_THROTTLED,
    contract.MODEL_UNAVAILABLE,
    contract.VECTOR_STORE_BUSY,
    contract.VALIDATION_MISMATCH,
)
HANDLERS = sorted(value for name, value in vars(contract).items() if name.endswith("_HANDLER"))


def test_the_stacks_read_the_file_the_handlers_import():
    stacks_side = handler_contract("rag")
    assert Path(stacks_side.__file__).samefile(contract.__file__)
    assert stacks_side.RUN_RECORD_KEY_FORMAT == contract.RUN_RECORD_KEY_FORMAT


@pytest.mark.parametrize("name", ERROR_NAMES)
def test_error_names_the_state_machine_matches_are_handler_errors(name):
    error = getattr(errors, name, None)
    assert isinstance(error, type) and issubclass(error, TaskError), name


@pytest.mark.parametrize("handler", HANDLERS)
def test_every_handler_the_construct_names_exists(handler):
    module, function = handler.rsplit(".", 1)
    assert callable(getattr(importlib.import_module(f"rag.{module}"), function))


def test_run_record_keys_match_the_state_machines_format():
    # RecordOutcome fills RUN_RECORD_KEY_FORMAT with States.Format; the report lists run_records_prefix.
    key = layout.run_record_key("run-1", "doc-9")
    assert key == contract.RUN_RECORD_KEY_FORMAT.format("run-1", "doc-9") == "runs/run-1/documents/doc-9.json"
    assert key.startswith(layout.run_records_prefix("run-1"))


def test_every_key_lives_under_a_contract_prefix():
    keys = {
        contract.REQUESTS_PREFIX: layout.request_key("run", 3),
        contract.RAW_PREFIX: layout.raw_key("doc", "hash"),
        contract.PARSED_PREFIX: layout.parsed_key("doc", "v1"),
        contract.CHUNKS_PREFIX: layout.chunks_key("doc", "v1"),
        contract.EMBEDDINGS_PREFIX: layout.embeddings_batch_key("doc", "v1", 0),
        contract.REPORTS_PREFIX: layout.report_keys("run")[0],
    }
    for prefix, key in keys.items():
        assert key.startswith(prefix), (prefix, key)


def test_registry_items_are_keyed_by_the_contract_key():
    assert registry.key("s3://bucket/a.md") == {contract.REGISTRY_KEY: {"S": "s3://bucket/a.md"}}
