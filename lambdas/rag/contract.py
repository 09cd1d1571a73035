"""What the rag workflow's construct and its handlers agree on: handlers, environment, layout, keys, errors.

Import-free by rule (tests/quality/test_contracts.py): the stacks load this very file by path
(`stacks.common.contracts.handler_contract("rag")`), the handlers import it as `rag.contract`.
"""

from __future__ import annotations

# ------------------------------------------------------------------ handler modules (lambdas/rag/)
PLAN_HANDLER = "plan.handler"
SWEEP_HANDLER = "cleanup.sweep"
REPORT_HANDLER = "report.handler"
FETCH_HANDLER = "fetch.handler"
PARSE_HANDLER = "parse.handler"
CHUNK_HANDLER = "chunk.handler"
EMBED_HANDLER = "embed.handler"
UPSERT_HANDLER = "upsert.handler"
VALIDATE_HANDLER = "validate.handler"
COMMIT_HANDLER = "commit.handler"
RECORD_FAILURE_HANDLER = "record_failure.handler"
REMOVE_HANDLER = "cleanup.remove"
DISCARD_HANDLER = "cleanup.discard"

# ------------------------------------------------------------------------- environment variables
ARTIFACTS_BUCKET_ENV = "ARTIFACTS_BUCKET"  # every task: the claim-check bucket (layout below)
SOURCE_BUCKET_ENV = "SOURCE_BUCKET"
SOURCE_PREFIX_ENV = "SOURCE_PREFIX"
MAX_URLS_PER_RUN_ENV = "MAX_URLS_PER_RUN"
REGISTRY_TABLE_ENV = "REGISTRY_TABLE"
VECTOR_INDEX_ENV = "VECTOR_INDEX_ARN"
SWEEP_GRACE_ENV = "SWEEP_GRACE_SECONDS"  # optional: how old an in-flight version must be to be swept
# Fetch
MAX_DOCUMENT_BYTES_ENV = "MAX_DOCUMENT_BYTES"
URL_TIMEOUT_ENV = "URL_TIMEOUT_SECONDS"
ALLOWED_DOMAINS_ENV = "ALLOWED_DOMAINS"  # comma-separated
ALLOWED_CONTENT_TYPES_ENV = "ALLOWED_CONTENT_TYPES"  # comma-separated
PRIVATE_HOSTS_ALLOWED_ENV = "PRIVATE_HOSTS_ALLOWED"  # "true": hosts may resolve to non-public addresses
# Chunking (Fetch folds them into the version, Chunk applies them)
TOKENIZER_ENV = "TOKENIZER"
CHUNK_TOKENS_ENV = "CHUNK_TOKENS"
CHUNK_OVERLAP_ENV = "CHUNK_OVERLAP_TOKENS"
# The embedding model (Fetch folds it into the version, Embed calls it)
EMBEDDING_MODEL_ENV = "EMBEDDING_MODEL_ID"
EMBEDDING_DIMENSION_ENV = "EMBEDDING_DIMENSION"
EMBEDDING_BATCH_SIZE_ENV = "EMBEDDING_BATCH_SIZE"
EMBEDDING_CONCURRENCY_ENV = "EMBEDDING_CONCURRENCY"
# The worker bounds of Parse and Chunk (lambdas/rag/limits.py)
WORKER_CPU_SECONDS_ENV = "WORKER_CPU_SECONDS"
WORKER_MEMORY_ENV = "WORKER_MEMORY_MB"
MAX_DOCUMENT_PAGES_ENV = "MAX_DOCUMENT_PAGES"
MAX_TEXT_CHARACTERS_ENV = "MAX_TEXT_CHARACTERS"
MAX_HTML_DEPTH_ENV = "MAX_HTML_DEPTH"
# Upsert and Validate
EXCERPT_CHARS_ENV = "EXCERPT_CHARS"
VALIDATION_SAMPLES_ENV = "VALIDATION_SAMPLES"

# -------------------------------------------------------------------------- artifacts bucket layout
REQUESTS_PREFIX = "requests/"  # requests/<runId>/<index>.json: the run's items (URL lists, uploads)
RAW_PREFIX = "raw/"  # raw/<documentId>/<contentHash>: the fetched bytes
PARSED_PREFIX = "parsed/"  # parsed/<documentId>/<version>.json
CHUNKS_PREFIX = "chunks/"  # chunks/<documentId>/<version>.jsonl
EMBEDDINGS_PREFIX = "embeddings/"  # embeddings/<documentId>/<version>/<batch>.json
RUN_RECORDS_PREFIX = "runs/"  # runs/<runId>/documents/<documentId>.json: one line per document
MAP_RESULTS_PREFIX = "map-results/"  # the Distributed Map's result writer
REPORTS_PREFIX = "reports/"  # reports/<runId>/summary.json and documents.jsonl
RUN_DOCUMENTS_FOLDER = "documents/"
# `{}` placeholders: filled by the state machine (States.Format) and by `str.format` alike.
RUN_RECORD_KEY_FORMAT = RUN_RECORDS_PREFIX + "{}/" + RUN_DOCUMENTS_FOLDER + "{}.json"

# Intermediate artifacts that expire after `artifactRetentionDays`; raw copies and reports stay.
WORKING_PREFIXES = (
    REQUESTS_PREFIX,
    PARSED_PREFIX,
    CHUNKS_PREFIX,
    EMBEDDINGS_PREFIX,
    RUN_RECORDS_PREFIX,
    MAP_RESULTS_PREFIX,
)

# ----------------------------------------------------------------------------- document registry
REGISTRY_KEY = "source"  # partition key (string): the document's source URI

# ------------------------------------------------- error names the state machine retries or catches
INVALID_INPUT = "InvalidInput"
FETCH_TIMEOUT = "FetchTimeout"
SOURCE_UNAVAILABLE = "SourceUnavailable"
EMBEDDING_THROTTLED = "EmbeddingThrottled"
MODEL_UNAVAILABLE = "ModelUnavailable"
VECTOR_STORE_BUSY = "VectorStoreBusy"
VALIDATION_MISMATCH = "ValidationMismatch"
# The run's error when documents failed and none was ingested or unchanged (lambdas/rag/report.py).
ALL_DOCUMENTS_FAILED = "AllDocumentsFailed"
