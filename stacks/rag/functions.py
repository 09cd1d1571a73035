"""The rag task functions, each created here through the common factory with its own environment.

Every function gets `ARTIFACTS_BUCKET` (the factory's common environment) and a description
`Stepwise rag: ...`; what else it reads is named by `lambdas/rag/contract.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.common.contracts import handler_contract
from stacks.common.functions import TaskFunctionFactory
from stacks.common.platform import Platform
from stacks.common.task_function import PythonTaskFunction
from stacks.rag.settings import RagSettings
from stacks.rag.vector_store import VectorStore

PACKAGE = "rag"
CONTRACT = handler_contract(PACKAGE)
DESCRIPTION_PREFIX = "Stepwise rag: "
DEFAULT_TIMEOUT_SECONDS = 60
DEFAULT_MEMORY_MB = 512
BOOKKEEPING_TIMEOUT = 6  # registry and S3 Vectors calls of one document (S3 Vectors batches of 500)


@dataclass(frozen=True)
class FunctionInputs:
    """The settings and resources the task functions' environments name."""

    settings: RagSettings
    source_bucket: s3.IBucket
    registry: dynamodb.ITableV2
    vectors: VectorStore


@dataclass(frozen=True)
class RunFunctions:
    """The run (parent) workflow's tasks."""

    plan: PythonTaskFunction
    sweep: PythonTaskFunction
    report: PythonTaskFunction


@dataclass(frozen=True)
class DocumentFunctions:
    """The per-document tasks, in the order a document meets them."""

    fetch: PythonTaskFunction
    parse: PythonTaskFunction
    chunk: PythonTaskFunction
    embed: PythonTaskFunction
    upsert: PythonTaskFunction
    validate: PythonTaskFunction
    commit: PythonTaskFunction
    record_failure: PythonTaskFunction
    remove: PythonTaskFunction
    discard: PythonTaskFunction


class RagFunctionFactory(TaskFunctionFactory):
    """The factory with rag's defaults: 60 s, 512 MB, `ARTIFACTS_BUCKET`, `Stepwise rag: ` descriptions."""

    def __init__(self, scope: Construct, platform: Platform, artifacts_bucket: s3.IBucket) -> None:
        super().__init__(
            scope,
            platform,
            PACKAGE,
            timeout_seconds=DEFAULT_TIMEOUT_SECONDS,
            memory_size=DEFAULT_MEMORY_MB,
            common_environment={CONTRACT.ARTIFACTS_BUCKET_ENV: artifacts_bucket.bucket_name},
        )

    def task(
        self,
        construct_id: str,
        handler: str,
        summary: str,
        *,
        timeout: int | None = None,
        memory: int | None = None,
        environment: dict[str, str] | None = None,
    ) -> PythonTaskFunction:
        """A rag task function described as `Stepwise rag: <summary>`."""
        return self.create(
            construct_id,
            handler,
            f"{DESCRIPTION_PREFIX}{summary}",
            timeout_seconds=timeout,
            memory_size=memory,
            environment=environment,
        )


def create_run_functions(factory: RagFunctionFactory, inputs: FunctionInputs) -> RunFunctions:
    """Plan, Sweep and Report."""
    settings = inputs.settings
    plan = factory.task(
        "Plan",
        CONTRACT.PLAN_HANDLER,
        "Validate a run request",
        environment={
            CONTRACT.SOURCE_BUCKET_ENV: inputs.source_bucket.bucket_name,
            CONTRACT.SOURCE_PREFIX_ENV: settings.source_prefix,
            CONTRACT.MAX_URLS_PER_RUN_ENV: str(settings.max_urls_per_run),
        },
    )
    sweep = factory.task(
        "Sweep",
        CONTRACT.SWEEP_HANDLER,
        "Delete abandoned versions and documents whose sources are gone",
        timeout=900,
        environment={**_vector_index(inputs), **_registry(inputs)},
    )
    report = factory.task(
        "Report", CONTRACT.REPORT_HANDLER, "Aggregate per-document lines", timeout=900, memory=1024
    )
    return RunFunctions(plan=plan, sweep=sweep, report=report)


def create_document_functions(factory: RagFunctionFactory, inputs: FunctionInputs) -> DocumentFunctions:
    """The ten per-document tasks, created in the order a document meets them."""
    fetch = _fetch(factory, inputs)
    parse, chunk = _workers(factory, inputs.settings)
    embed = _embed(factory, inputs.settings)
    return DocumentFunctions(fetch, parse, chunk, embed, *_bookkeeping(factory, inputs))


def _fetch(factory: RagFunctionFactory, inputs: FunctionInputs) -> PythonTaskFunction:
    settings = inputs.settings
    return factory.task(
        "Fetch",
        CONTRACT.FETCH_HANDLER,
        "fetch a document, keep a raw copy, detect unchanged content",
        timeout=settings.fetch_function_timeout_seconds,
        memory=1024,
        environment={
            **_registry(inputs),
            **_chunking(settings),
            **_model(settings),
            CONTRACT.SOURCE_BUCKET_ENV: inputs.source_bucket.bucket_name,
            CONTRACT.SOURCE_PREFIX_ENV: settings.source_prefix,
            CONTRACT.MAX_DOCUMENT_BYTES_ENV: str(settings.max_document_bytes),
            CONTRACT.URL_TIMEOUT_ENV: str(settings.url_timeout_seconds),
            CONTRACT.ALLOWED_DOMAINS_ENV: ",".join(settings.allowed_domains),
            CONTRACT.ALLOWED_CONTENT_TYPES_ENV: ",".join(settings.allowed_content_types),
            CONTRACT.PRIVATE_HOSTS_ALLOWED_ENV: "true" if settings.private_hosts_allowed else "false",
        },
    )


def _workers(
    factory: RagFunctionFactory, settings: RagSettings
) -> tuple[PythonTaskFunction, PythonTaskFunction]:
    """Parse and Chunk: they run their work in a bounded worker process."""
    sized = {
        "timeout": settings.worker_function_timeout_seconds,
        "memory": settings.worker_function_memory_mb,
    }
    bounds = _bounds(settings)
    parse = factory.task(
        "Parse", CONTRACT.PARSE_HANDLER, "extract title and text", environment=bounds, **sized
    )
    chunk = factory.task(
        "Chunk",
        CONTRACT.CHUNK_HANDLER,
        "split text into token-bounded chunks",
        environment={**_chunking(settings), **bounds},
        **sized,
    )
    return parse, chunk


def _embed(factory: RagFunctionFactory, settings: RagSettings) -> PythonTaskFunction:
    return factory.task(
        "Embed",
        CONTRACT.EMBED_HANDLER,
        "embed chunks with Amazon Bedrock",
        timeout=settings.embed_timeout_seconds,
        environment={
            **_model(settings),
            CONTRACT.EMBEDDING_BATCH_SIZE_ENV: str(settings.embedding_batch_size),
            CONTRACT.EMBEDDING_CONCURRENCY_ENV: str(settings.embedding_concurrency),
        },
    )


def _bookkeeping(factory: RagFunctionFactory, inputs: FunctionInputs) -> tuple[PythonTaskFunction, ...]:
    """Upsert, Validate, Commit, RecordFailure, Remove and Discard: registry and S3 Vectors calls."""
    index, registry = _vector_index(inputs), _registry(inputs)
    both = {**index, **registry}
    steps = (
        (
            "Upsert",
            CONTRACT.UPSERT_HANDLER,
            "write the version's vectors to S3 Vectors",
            {**index, **registry, CONTRACT.EXCERPT_CHARS_ENV: str(inputs.settings.excerpt_chars)},
        ),
        (
            "Validate",
            CONTRACT.VALIDATE_HANDLER,
            "check vector count and self-retrieval",
            {**index, CONTRACT.VALIDATION_SAMPLES_ENV: str(inputs.settings.validation_samples)},
        ),
        ("Commit", CONTRACT.COMMIT_HANDLER, "promote the new version, delete the previous one", both),
        (
            "RecordFailure",
            CONTRACT.RECORD_FAILURE_HANDLER,
            "roll back a failed version and record the failure",
            both,
        ),
        ("Remove", CONTRACT.REMOVE_HANDLER, "remove a deleted source's vectors and registry entry", both),
        (
            "Discard",
            CONTRACT.DISCARD_HANDLER,
            "delete a failed version's vectors when recording the failure failed",
            both,
        ),
    )
    return tuple(
        factory.task(construct_id, handler, summary, timeout=BOOKKEEPING_TIMEOUT, environment=environment)
        for construct_id, handler, summary, environment in steps
    )


def _registry(inputs: FunctionInputs) -> dict[str, str]:
    return {CONTRACT.REGISTRY_TABLE_ENV: inputs.registry.table_name}


def _vector_index(inputs: FunctionInputs) -> dict[str, str]:
    return {CONTRACT.VECTOR_INDEX_ENV: inputs.vectors.index_arn}


def _chunking(settings: RagSettings) -> dict[str, str]:
    """How Chunk splits text; Fetch folds it into the version fingerprint."""
    return {
        CONTRACT.TOKENIZER_ENV: settings.tokenizer,
        CONTRACT.CHUNK_TOKENS_ENV: str(settings.chunk_tokens),
        CONTRACT.CHUNK_OVERLAP_ENV: str(settings.chunk_overlap_tokens),
    }


def _model(settings: RagSettings) -> dict[str, str]:
    """The embedding model; Fetch folds it into the version fingerprint."""
    return {
        CONTRACT.EMBEDDING_MODEL_ENV: settings.embedding_model_id,
        CONTRACT.EMBEDDING_DIMENSION_ENV: str(settings.embedding_dimension),
    }


def _bounds(settings: RagSettings) -> dict[str, str]:
    """The worker bounds of Parse and Chunk (lambdas/rag/limits.py)."""
    return {
        CONTRACT.WORKER_CPU_SECONDS_ENV: str(settings.worker_cpu_seconds),
        CONTRACT.WORKER_MEMORY_ENV: str(settings.worker_memory_mb),
        CONTRACT.MAX_DOCUMENT_PAGES_ENV: str(settings.max_document_pages),
        CONTRACT.MAX_TEXT_CHARACTERS_ENV: str(settings.max_text_characters),
        CONTRACT.MAX_HTML_DEPTH_ENV: str(settings.max_html_depth),
    }
