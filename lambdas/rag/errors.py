"""Named errors of the RAG tasks: the class name is the `errorType` the state machine retries or catches."""

from __future__ import annotations

from shared.errors import InvalidInput, TaskError, TransientError
from shared.http_fetch import (
    DocumentTooLarge,
    DomainNotAllowed,
    FetchTimeout,
    SourceNotFound,
    SourceUnavailable,
    UnsupportedContentType,
)

__all__ = [
    "PERMANENT_ERRORS",
    "ConcurrentUpdate",
    "CorruptDocument",
    "DocumentTooComplex",
    "DocumentTooLarge",
    "DomainNotAllowed",
    "EmbeddingFailed",
    "EmbeddingThrottled",
    "FetchTimeout",
    "InvalidInput",
    "ModelUnavailable",
    "NoExtractableText",
    "SourceNotFound",
    "SourceUnavailable",
    "UnsupportedContentType",
    "UnsupportedFormat",
    "ValidationMismatch",
    "VectorStoreBusy",
]


class UnsupportedFormat(TaskError):
    """The bytes are not HTML, PDF, Markdown or plain text (or the PDF is encrypted)."""


class CorruptDocument(TaskError):
    """The bytes claim a supported format but cannot be read as it."""


class DocumentTooComplex(TaskError):
    """Parsing or chunking the document exceeded a bound: CPU time, memory, pages, characters or nesting."""


class NoExtractableText(TaskError):
    """The document parsed but holds no text to index (e.g. a scanned PDF without a text layer)."""


class EmbeddingThrottled(TransientError):
    """Bedrock kept throttling after the client's own adaptive retries."""


class ModelUnavailable(TransientError):
    """Bedrock answered 5xx, model-not-ready or model-timeout."""


class EmbeddingFailed(TaskError):
    """Bedrock refused the input or returned something that is not a vector of the index dimension."""


class VectorStoreBusy(TransientError):
    """S3 Vectors throttled or failed with a 5xx."""


class ValidationMismatch(TaskError):
    """The index does not hold exactly the new version, or a chunk does not retrieve itself first."""


class ConcurrentUpdate(TaskError):
    """Another run committed a different version of the document first."""


# Failures that depend only on the bytes (and the pipeline settings folded into the version):
# retrying the same version cannot succeed, so a later run skips it until the content changes.
PERMANENT_ERRORS = frozenset(
    {
        UnsupportedFormat.__name__,
        CorruptDocument.__name__,
        NoExtractableText.__name__,
        UnsupportedContentType.__name__,
        DocumentTooComplex.__name__,
    }
)
