"""Where every artifact lives in the artifacts bucket (the prefixes are the contract's)."""

from __future__ import annotations

from rag.contract import (
    CHUNKS_PREFIX,
    EMBEDDINGS_PREFIX,
    PARSED_PREFIX,
    RAW_PREFIX,
    REPORTS_PREFIX,
    REQUESTS_PREFIX,
    RUN_DOCUMENTS_FOLDER,
    RUN_RECORD_KEY_FORMAT,
    RUN_RECORDS_PREFIX,
)


def request_key(run_id: str, index: int) -> str:
    return f"{REQUESTS_PREFIX}{run_id}/{index:06d}.json"


def requests_prefix(run_id: str) -> str:
    return f"{REQUESTS_PREFIX}{run_id}/"


def raw_key(document_id: str, content_hash: str) -> str:
    return f"{RAW_PREFIX}{document_id}/{content_hash}"


def parsed_key(document_id: str, version: str) -> str:
    return f"{PARSED_PREFIX}{document_id}/{version}.json"


def chunks_key(document_id: str, version: str) -> str:
    return f"{CHUNKS_PREFIX}{document_id}/{version}.jsonl"


def embeddings_prefix(document_id: str, version: str) -> str:
    return f"{EMBEDDINGS_PREFIX}{document_id}/{version}/"


def embeddings_batch_key(document_id: str, version: str, batch: int) -> str:
    return f"{embeddings_prefix(document_id, version)}{batch:05d}.json"


def run_records_prefix(run_id: str) -> str:
    return f"{RUN_RECORDS_PREFIX}{run_id}/{RUN_DOCUMENTS_FOLDER}"


def run_record_key(run_id: str, document_id: str) -> str:
    return RUN_RECORD_KEY_FORMAT.format(run_id, document_id)


def report_keys(run_id: str) -> tuple[str, str]:
    """(summary, per-document lines) of one run."""
    return f"{REPORTS_PREFIX}{run_id}/summary.json", f"{REPORTS_PREFIX}{run_id}/documents.jsonl"
