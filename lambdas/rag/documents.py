"""Identity of documents, versions and chunks: all derived deterministically from source and bytes."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from rag import contract
from shared import environment

# Bump when parsing or chunking code changes in a way that should re-ingest unchanged documents.
PIPELINE_REVISION = "2"
DOCUMENT_ID_LENGTH = 32
VERSION_LENGTH = 16


def s3_source(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"


def url_source(url: str) -> str:
    """The URL without its fragment, with a lower-case scheme and host (the registry key)."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def document_id(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()[:DOCUMENT_ID_LENGTH]


def content_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def pipeline_fingerprint() -> str:
    """Everything besides the bytes that shapes the vectors: changing any of it re-ingests."""
    return "|".join(
        (
            PIPELINE_REVISION,
            environment.text(contract.TOKENIZER_ENV),
            environment.text(contract.CHUNK_TOKENS_ENV),
            environment.text(contract.CHUNK_OVERLAP_ENV),
            environment.text(contract.EMBEDDING_MODEL_ENV),
            environment.text(contract.EMBEDDING_DIMENSION_ENV),
        )
    )


def version_of(digest: str, fingerprint: str) -> str:
    return hashlib.sha256(f"{digest}|{fingerprint}".encode()).hexdigest()[:VERSION_LENGTH]


def chunk_key(document: str, version: str, index: int) -> str:
    """The vector key of one chunk: source (as its id) + version + index, stable across retries."""
    return f"{document}#{version}#{index:05d}"


def chunk_keys(document: str, version: str, count: int) -> list[str]:
    return [chunk_key(document, version, index) for index in range(count)]


def line(source: str, status: str, **fields: Any) -> dict[str, Any]:
    """One document's outcome line (the run report has one per document)."""
    return {
        "source": source,
        "documentId": document_id(source),
        "status": status,
        **{key: value for key, value in fields.items() if value is not None},
    }
