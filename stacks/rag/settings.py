"""The `rag` section of an environment in cdk.json: sources, chunking, embedding and vector index."""

from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from stacks.rag.embedding_models import EMBEDDING_MODELS
from stacks.settings import ReadinessProblem, Settings

# tiktoken model names whose vocabularies ship inside semantic-text-splitter (no download).
TOKENIZERS = ("gpt-4", "gpt-4o", "gpt-3.5-turbo")
CONTENT_TYPES = ("text/html", "application/pdf", "text/markdown", "text/x-markdown", "text/plain")

_DOMAIN = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_PREFIX = re.compile(r"^([A-Za-z0-9!_.*'()/-]+/)?$")
_EVENT_SOURCE = re.compile(r"^[A-Za-z0-9._-]{1,256}$")
# The cdk.json keys that set how long one Express child can run (stacks/rag/express_budget.py).
EXPRESS_BUDGET_KEYS = (
    "documentsPerBatch",
    "batchConcurrency",
    "workerCpuSeconds",
    "embedTimeoutSeconds",
    "urlTimeoutSeconds",
)


class RagSettings(Settings):
    """Every tunable of the RAG ingestion workflow; defaults suit a first deployment."""

    source_prefix: str = "documents/"
    # Documents in flight across the run: batches in flight x documents in flight per batch.
    max_concurrency: int = Field(default=10, ge=1, le=10_000)
    # Documents per Express child execution (the Distributed Map's ItemBatcher).
    documents_per_batch: int = Field(default=10, ge=1, le=50)
    # Documents of one batch in flight at once (the child's inline Map MaxConcurrency).
    batch_concurrency: int = Field(default=10, ge=1, le=50)
    max_document_bytes: int = Field(default=20 * 1024 * 1024, ge=1024, le=200 * 1024 * 1024)
    max_urls_per_run: int = Field(default=1000, ge=1, le=10_000)
    url_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    allowed_domains: tuple[str, ...] = ()
    # False: a URL whose host resolves to a private, loopback or link-local address is refused.
    private_hosts_allowed: bool = False
    allowed_content_types: tuple[str, ...] = CONTENT_TYPES
    tokenizer: Literal["gpt-4", "gpt-4o", "gpt-3.5-turbo"] = "gpt-4"
    chunk_tokens: int = Field(default=512, ge=32, le=8000)
    chunk_overlap_tokens: int = Field(default=64, ge=0)
    embedding_model_id: str = "amazon.titan-embed-text-v2:0"
    embedding_dimension: int = 1024
    embedding_batch_size: int = Field(default=16, ge=1, le=96)
    embedding_concurrency: int = Field(default=4, ge=1, le=16)
    distance_metric: Literal["cosine", "euclidean"] = "cosine"
    excerpt_chars: int = Field(default=400, ge=0, le=2000)
    validation_samples: int = Field(default=3, ge=1, le=20)
    run_timeout_hours: int = Field(default=24, ge=1, le=24 * 365)
    artifact_retention_days: int = Field(default=30, ge=1, le=3650)
    event_source: str = "stepwise.rag"
    # Uploads and deletions are ingested in batches: one run per `uploadBatchSize` keys, or per what
    # arrived within `uploadDelaySeconds` (the longest an upload waits before its run starts).
    # 200 keys of at most 1,024 bytes keep the run input under Step Functions' 256 KiB.
    upload_delay_seconds: int = Field(default=60, ge=0, le=300)
    upload_batch_size: int = Field(default=100, ge=1, le=200)
    # Bounds of the child process that parses and chunks one document (lambdas/rag/sandbox.py), and
    # caps on what a document may hold; beyond any of them it fails with DocumentTooComplex.
    worker_cpu_seconds: int = Field(default=6, ge=1, le=120)
    # The Embed function's timeout; a retry resumes from the batches already embedded.
    embed_timeout_seconds: int = Field(default=20, ge=5, le=900)
    worker_memory_mb: int = Field(default=512, ge=128, le=4096)
    max_document_pages: int = Field(default=2000, ge=1, le=100_000)
    max_text_characters: int = Field(default=4_000_000, ge=10_000, le=50_000_000)
    max_html_depth: int = Field(default=512, ge=16, le=10_000)

    @field_validator("source_prefix")
    @classmethod
    def _valid_prefix(cls, value: str) -> str:
        if not _PREFIX.match(value) or value.startswith("/") or "//" in value:
            raise ValueError("must be empty or an S3 key prefix ending in '/' (e.g. 'documents/')")
        return value

    @field_validator("allowed_domains")
    @classmethod
    def _valid_domains(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for domain in values:
            if not _DOMAIN.match(domain):
                raise ValueError(
                    f"{domain!r} is not a lower-case host name ('example.com' or '*.example.com')"
                )
        return values

    @field_validator("allowed_content_types")
    @classmethod
    def _known_content_types(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(values) - set(CONTENT_TYPES))
        if unknown or not values:
            raise ValueError(f"must be a non-empty subset of {', '.join(CONTENT_TYPES)}")
        return values

    @field_validator("event_source")
    @classmethod
    def _valid_event_source(cls, value: str) -> str:
        if not _EVENT_SOURCE.match(value) or value.startswith("aws."):
            raise ValueError("must be 1-256 of [A-Za-z0-9._-] and not start with 'aws.'")
        return value

    def readiness_problems(self) -> list[ReadinessProblem]:
        """None: every default is safe. An empty `allowedDomains` refuses every URL (`DomainNotAllowed`),
        it does not allow any host; documents then come only from the stack's own source bucket."""
        return []

    @property
    def worker_function_memory_mb(self) -> int:
        """Parse and Chunk memory: at least one full vCPU (1,769 MB), and room beside the worker."""
        return max(1769, self.worker_memory_mb + 512)

    @property
    def worker_function_timeout_seconds(self) -> int:
        """Parse and Chunk timeout: the worker's wall-clock backstop (2 x its CPU time + 5 s) + 5 s."""
        return self.worker_cpu_seconds * 2 + 10

    @property
    def fetch_function_timeout_seconds(self) -> int:
        """Fetch timeout: one URL request's timeout, plus 5 s to store the raw copy."""
        return math.ceil(self.url_timeout_seconds) + 5

    @property
    def documents_in_flight_per_batch(self) -> int:
        """The child's inline Map MaxConcurrency (never more than a batch holds)."""
        return min(self.batch_concurrency, self.documents_per_batch)

    @property
    def batches_in_flight(self) -> int:
        """The Distributed Map's MaxConcurrency: as many batches as `maxConcurrency` documents allow."""
        return self.max_concurrency // self.documents_in_flight_per_batch

    @model_validator(mode="after")
    def _consistent(self) -> RagSettings:
        if self.max_concurrency < self.documents_in_flight_per_batch:
            raise ValueError(
                f"maxConcurrency {self.max_concurrency} (documents in flight) is less than one batch's "
                f"{self.documents_in_flight_per_batch} documents in flight (batchConcurrency): raise it "
                "or lower batchConcurrency"
            )
        if self.chunk_overlap_tokens >= self.chunk_tokens:
            raise ValueError("chunkOverlapTokens must be smaller than chunkTokens")
        model = EMBEDDING_MODELS.get(self.embedding_model_id)
        if model is None:
            raise ValueError(
                f"embeddingModelId {self.embedding_model_id!r} is not supported; "
                f"use one of {', '.join(EMBEDDING_MODELS)}"
            )
        if self.embedding_dimension not in model.dimensions:
            allowed = ", ".join(str(value) for value in model.dimensions)
            raise ValueError(
                f"embeddingDimension {self.embedding_dimension} is not offered by "
                f"{self.embedding_model_id} (allowed: {allowed})"
            )
        chunk = self.chunk_tokens + self.chunk_overlap_tokens
        if chunk > model.max_chunk_tokens():
            raise ValueError(
                f"chunkTokens {self.chunk_tokens} + chunkOverlapTokens {self.chunk_overlap_tokens} = "
                f"{chunk} tokens can exceed the input limit of embeddingModelId {self.embedding_model_id} "
                f"({model.limit_text()}); {model.margin_text()}: lower chunkTokens or chunkOverlapTokens"
            )
        return self
