"""The per-document child workflow: fetch -> parse -> chunk -> embed -> upsert -> validate -> commit.

It runs for each document of a batch, inside the Express child of the run's Distributed Map.
Every path ends in `RecordOutcome`, which writes the document's line under
`runs/<runId>/documents/` and returns the document id, so a failure is always recorded. A source
object found deleted goes to `RemoveDocument`. If RecordFailure fails, `DiscardVersion` still
deletes the failed version's vectors by key. If recording itself fails (RecordFailure or
RecordOutcome, after retries), `OutcomeNotRecorded`
returns the item and the error instead: the run report lists the document failed from the batch's
output, and the other documents of the batch carry on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.common import (
    S3_RETRY,
    PythonTaskFunction,
    RetryPolicy,
    TaskFunctionProps,
    invoke_lambda,
)
from stacks.common.platform import Platform
from stacks.common.tasks import LAMBDA_TRANSIENT_ERRORS
from stacks.rag.layout import (
    CHUNKS_PREFIX,
    EMBEDDINGS_PREFIX,
    PARSED_PREFIX,
    RAW_PREFIX,
    REQUESTS_PREFIX,
    RUN_RECORDS_PREFIX,
)
from stacks.rag.settings import RagSettings
from stacks.rag.vector_store import DELETE_ACTIONS, READ_ACTIONS, WRITE_ACTIONS, VectorStore

PACKAGE = "rag"


def rag_function(
    scope: Construct,
    construct_id: str,
    platform: Platform,
    artifacts_bucket: s3.IBucket,
    handler: str,
    description: str,
    *,
    timeout: int = 60,
    memory: int = 512,
    environment: dict[str, str] | None = None,
) -> PythonTaskFunction:
    """A rag task function: `ARTIFACTS_BUCKET` is always set, `environment` adds to it."""
    return PythonTaskFunction(
        scope,
        construct_id,
        TaskFunctionProps(
            platform=platform,
            package=PACKAGE,
            handler=handler,
            service=PACKAGE,
            description=f"Stepwise rag: {description}",
            timeout=Duration.seconds(timeout),
            memory_size=memory,
            environment={"ARTIFACTS_BUCKET": artifacts_bucket.bucket_name, **(environment or {})},
        ),
    )


# Every step's function timeout and Retry, in one table: the definition is built from it, and the
# Express budget (stacks/rag/express_budget.py) is checked on the definition built. Each step has
# one retrier (Lambda's transient errors plus its own named ones), so its attempts are counted once.
TASK_TIMEOUT_MARGIN = 2  # seconds a task waits past its function's timeout for Lambda's own error
BOOKKEEPING_TIMEOUT = 6  # registry and S3 Vectors calls of one document (S3 Vectors batches of 500)


def step_retry(*errors: str, attempts: int = 1, interval: int = 1, max_delay: int = 30) -> RetryPolicy:
    """One retrier for a rag Lambda task: Lambda's transient errors and the step's named ones."""
    return RetryPolicy(
        (*LAMBDA_TRANSIENT_ERRORS, *errors),
        interval=Duration.seconds(interval),
        max_attempts=attempts,
        max_delay=Duration.seconds(max_delay),
    )


# Named, transient handler errors (lambdas/rag/errors.py) and how each step retries them.
FETCH_RETRY = step_retry("FetchTimeout", "SourceUnavailable")
WORKER_RETRY = step_retry()
EMBED_RETRY = step_retry("EmbeddingThrottled", "ModelUnavailable", interval=5)
VECTOR_RETRY = step_retry("VectorStoreBusy")
# Read-after-write visibility of new vectors is not documented as immediate: re-check once
# before a mismatch is treated as real and the version rolled back.
VALIDATION_RETRY = step_retry("VectorStoreBusy", "ValidationMismatch", interval=2)
# One retry only: the record write is budgeted inside the Express duration (express_budget.py).
RECORD_RETRY = S3_RETRY.with_attempts(1)
RECORD_TIMEOUT = 5


@dataclass(frozen=True)
class DocumentPipelineProps:
    platform: Platform
    settings: RagSettings
    source_bucket: s3.IBucket
    artifacts_bucket: s3.IBucket
    registry: dynamodb.ITableV2
    vectors: VectorStore


class DocumentPipeline(Construct):
    """The task functions and state chain that ingest one document (used as an Express processor)."""

    functions: dict[str, PythonTaskFunction]
    definition: sfn.IChainable

    def __init__(self, scope: Construct, construct_id: str, props: DocumentPipelineProps) -> None:
        super().__init__(scope, construct_id)
        self.props = props
        self.functions = {}
        self._functions_scope = Construct(self, "Functions")
        settings = props.settings
        chunking = {
            "TOKENIZER": settings.tokenizer,
            "CHUNK_TOKENS": str(settings.chunk_tokens),
            "CHUNK_OVERLAP_TOKENS": str(settings.chunk_overlap_tokens),
        }
        model = {
            "EMBEDDING_MODEL_ID": settings.embedding_model_id,
            "EMBEDDING_DIMENSION": str(settings.embedding_dimension),
        }
        vector_index = {"VECTOR_INDEX_ARN": props.vectors.index_arn}
        registry = {"REGISTRY_TABLE": props.registry.table_name}
        self.fetch = self._function(
            "Fetch",
            "fetch.handler",
            "fetch a document, keep a raw copy, detect unchanged content",
            timeout=settings.fetch_function_timeout_seconds,
            memory=1024,
            environment={
                **registry,
                **chunking,
                **model,
                "SOURCE_BUCKET": props.source_bucket.bucket_name,
                "SOURCE_PREFIX": settings.source_prefix,
                "MAX_DOCUMENT_BYTES": str(settings.max_document_bytes),
                "URL_TIMEOUT_SECONDS": str(settings.url_timeout_seconds),
                "ALLOWED_DOMAINS": ",".join(settings.allowed_domains),
                "ALLOWED_CONTENT_TYPES": ",".join(settings.allowed_content_types),
            },
        )
        bounds = {
            "WORKER_CPU_SECONDS": str(settings.worker_cpu_seconds),
            "WORKER_MEMORY_MB": str(settings.worker_memory_mb),
            "MAX_DOCUMENT_PAGES": str(settings.max_document_pages),
            "MAX_TEXT_CHARACTERS": str(settings.max_text_characters),
            "MAX_HTML_DEPTH": str(settings.max_html_depth),
        }
        worker = {
            "timeout": settings.worker_function_timeout_seconds,
            "memory": settings.worker_function_memory_mb,
        }
        self.parse = self._function(
            "Parse", "parse.handler", "extract title and text", environment=bounds, **worker
        )
        self.chunk = self._function(
            "Chunk",
            "chunk.handler",
            "split text into token-bounded chunks",
            environment={**chunking, **bounds},
            **worker,
        )
        self.embed = self._function(
            "Embed",
            "embed.handler",
            "embed chunks with Amazon Bedrock",
            timeout=settings.embed_timeout_seconds,
            environment={
                **model,
                "EMBEDDING_BATCH_SIZE": str(settings.embedding_batch_size),
                "EMBEDDING_CONCURRENCY": str(settings.embedding_concurrency),
            },
        )
        self.upsert = self._function(
            "Upsert",
            "upsert.handler",
            "write the version's vectors to S3 Vectors",
            timeout=BOOKKEEPING_TIMEOUT,
            environment={**vector_index, **registry, "EXCERPT_CHARS": str(settings.excerpt_chars)},
        )
        self.validate = self._function(
            "Validate",
            "validate.handler",
            "check vector count and self-retrieval",
            timeout=BOOKKEEPING_TIMEOUT,
            environment={**vector_index, "VALIDATION_SAMPLES": str(settings.validation_samples)},
        )
        self.commit = self._function(
            "Commit",
            "commit.handler",
            "promote the new version, delete the previous one",
            timeout=BOOKKEEPING_TIMEOUT,
            environment={**vector_index, **registry},
        )
        self.record_failure = self._function(
            "RecordFailure",
            "record_failure.handler",
            "roll back a failed version and record the failure",
            timeout=BOOKKEEPING_TIMEOUT,
            environment={**vector_index, **registry},
        )
        self.remove = self._function(
            "Remove",
            "cleanup.remove",
            "remove a deleted source's vectors and registry entry",
            timeout=BOOKKEEPING_TIMEOUT,
            environment={**vector_index, **registry},
        )
        self.discard = self._function(
            "Discard",
            "cleanup.discard",
            "delete a failed version's vectors when recording the failure failed",
            timeout=BOOKKEEPING_TIMEOUT,
            environment={**vector_index, **registry},
        )
        self._grant()
        self.definition = self._definition()

    def _function(
        self,
        construct_id: str,
        handler: str,
        description: str,
        *,
        timeout: int = 60,
        memory: int = 512,
        environment: dict[str, str] | None = None,
    ) -> PythonTaskFunction:
        function = rag_function(
            self._functions_scope,
            construct_id,
            self.props.platform,
            self.props.artifacts_bucket,
            handler,
            description,
            timeout=timeout,
            memory=memory,
            environment=environment,
        )
        self.functions[construct_id] = function
        return function

    def _grant(self) -> None:
        props, artifacts = self.props, self.props.artifacts_bucket
        self.fetch.grant_object_access(
            props.source_bucket, ["s3:GetObject"], f"{props.settings.source_prefix}*"
        )
        self.fetch.grant_object_access(artifacts, ["s3:GetObject"], f"{REQUESTS_PREFIX}*")
        self.fetch.grant_object_access(artifacts, ["s3:PutObject"], f"{RAW_PREFIX}*")
        props.registry.grant_read_data(self.fetch.function)
        # A missing object must read as NoSuchKey (deleted), not AccessDenied: list the prefix.
        self.fetch.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[props.source_bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{props.settings.source_prefix}*"]}},
            )
        )

        self.parse.grant_object_access(artifacts, ["s3:GetObject"], f"{RAW_PREFIX}*")
        self.parse.grant_object_access(artifacts, ["s3:PutObject"], f"{PARSED_PREFIX}*")

        self.chunk.grant_object_access(artifacts, ["s3:GetObject"], f"{PARSED_PREFIX}*")
        self.chunk.grant_object_access(artifacts, ["s3:PutObject"], f"{CHUNKS_PREFIX}*")

        self.embed.grant_object_access(artifacts, ["s3:GetObject"], f"{CHUNKS_PREFIX}*")
        self.embed.grant_object_access(artifacts, ["s3:GetObject", "s3:PutObject"], f"{EMBEDDINGS_PREFIX}*")
        self.embed.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[artifacts.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{EMBEDDINGS_PREFIX}*"]}},
            )
        )
        self.embed.role.add_to_policy(
            iam.PolicyStatement(
                actions=["bedrock:InvokeModel"],
                resources=[
                    Stack.of(self).format_arn(
                        service="bedrock",
                        account="",
                        resource="foundation-model",
                        resource_name=props.settings.embedding_model_id,
                    )
                ],
            )
        )

        for function in (self.upsert, self.validate):
            function.grant_object_access(artifacts, ["s3:GetObject"], f"{CHUNKS_PREFIX}*")
            function.grant_object_access(artifacts, ["s3:GetObject"], f"{EMBEDDINGS_PREFIX}*")
        props.vectors.grant(self.upsert.role, WRITE_ACTIONS)
        # Upsert records the version as in flight before writing (registry `pending`).
        props.registry.grant(self.upsert.function, "dynamodb:UpdateItem")
        props.vectors.grant(self.validate.role, READ_ACTIONS)

        for function in (self.commit, self.record_failure):
            props.vectors.grant(function.role, DELETE_ACTIONS)
            props.registry.grant_read_write_data(function.function)
        for function in (self.remove, self.discard):
            props.vectors.grant(function.role, DELETE_ACTIONS)
            props.registry.grant(
                function.function, "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"
            )
        self.record_failure.grant_object_access(artifacts, ["s3:GetObject"], f"{REQUESTS_PREFIX}*")

    def _definition(self) -> sfn.IChainable:
        document = sfn.JsonPath.object_at("$.fetch.document")
        fetch = self._invoke(
            "Fetch",
            self.fetch,
            FETCH_RETRY,
            payload={"item": sfn.JsonPath.object_at("$.item"), "runId": sfn.JsonPath.string_at("$.runId")},
            result_path="$.fetch",
        )
        parse = self._invoke(
            "Parse", self.parse, WORKER_RETRY, payload={"document": document}, result_path="$.parse"
        )
        chunk = self._invoke(
            "Chunk",
            self.chunk,
            WORKER_RETRY,
            payload={"document": document, "parsed": sfn.JsonPath.object_at("$.parse")},
            result_path="$.chunk",
        )
        embed = self._invoke(
            "Embed",
            self.embed,
            EMBED_RETRY,
            payload={"document": document, "chunks": sfn.JsonPath.object_at("$.chunk")},
            result_path="$.embed",
        )
        upsert = self._invoke(
            "Upsert",
            self.upsert,
            VECTOR_RETRY,
            payload={
                "document": document,
                "parsed": sfn.JsonPath.object_at("$.parse"),
                "chunks": sfn.JsonPath.object_at("$.chunk"),
                "embeddings": sfn.JsonPath.object_at("$.embed"),
            },
            result_path="$.upsert",
        )
        validate = self._invoke(
            "Validate",
            self.validate,
            VALIDATION_RETRY,
            payload={
                "document": document,
                "chunks": sfn.JsonPath.object_at("$.chunk"),
                "embeddings": sfn.JsonPath.object_at("$.embed"),
            },
            result_path="$.validate",
        )
        commit = self._invoke(
            "Commit",
            self.commit,
            VECTOR_RETRY,
            payload={
                "document": document,
                "parsed": sfn.JsonPath.object_at("$.parse"),
                "chunks": sfn.JsonPath.object_at("$.chunk"),
                "validation": sfn.JsonPath.object_at("$.validate"),
                "runId": sfn.JsonPath.string_at("$.runId"),
            },
            result_path="$.line",
        )
        # The whole state is the input: it says how far the document got (fetch, chunk, ...).
        record_failure = self._invoke(
            "RecordFailure", self.record_failure, VECTOR_RETRY, result_path="$.line"
        )
        # If recording the failure fails, the failed version's vectors are still deleted by key;
        # if that fails too, the version stays in the registry's `pending` for the run sweep.
        discard = self._invoke(
            "DiscardVersion",
            self.discard,
            VECTOR_RETRY,
            result_path="$.discarded",
            comment="RecordFailure failed: delete the failed version's vectors by key",
        )
        remove = self._invoke(
            "RemoveDocument",
            self.remove,
            VECTOR_RETRY,
            payload={"document": document, "runId": sfn.JsonPath.string_at("$.runId")},
            result_path="$.line",
            comment="The source object is gone: delete its vectors and registry entry",
        )
        record = self._record_outcome()
        for step in (fetch, parse, chunk, embed, upsert, validate, commit, remove):
            step.add_catch(record_failure, result_path="$.error")
        skip = sfn.Pass(
            self,
            "SkipUnchanged",
            comment="Unchanged (or ignorable) object: nothing to index",
            input_path="$.fetch.line",
            result_path="$.line",
        )
        changed = (
            sfn.Choice(self, "Changed?")
            .when(
                sfn.Condition.string_equals("$.fetch.status", "changed"),
                parse.next(chunk).next(embed).next(upsert).next(validate).next(commit).next(record),
            )
            .when(sfn.Condition.string_equals("$.fetch.status", "deleted"), remove.next(record))
            .otherwise(skip.next(record))
        )
        not_recorded = sfn.Pass(
            self,
            "OutcomeNotRecorded",
            comment="The outcome could not be recorded: hand the item and the error to the run report",
            parameters={
                "item": sfn.JsonPath.object_at("$.item"),
                "error": sfn.JsonPath.string_at("$.notRecorded.Error"),
                "cause": sfn.JsonPath.string_at("$.notRecorded.Cause"),
            },
        )
        record_failure.add_catch(discard, result_path="$.notRecorded")
        discard.add_catch(not_recorded, result_path="$.discardError")
        discard.next(not_recorded)
        record.add_catch(not_recorded, result_path="$.notRecorded")
        record_failure.next(record)
        return fetch.next(changed)

    def _record_outcome(self) -> tasks.CallAwsService:
        artifacts = self.props.artifacts_bucket
        record = tasks.CallAwsService(
            self,
            "RecordOutcome",
            comment="Claim-check the document's line for the run report, then return the document id",
            service="s3",
            action="putObject",
            iam_action="s3:PutObject",
            iam_resources=[artifacts.arn_for_objects(f"{RUN_RECORDS_PREFIX}*")],
            parameters={
                "Bucket": artifacts.bucket_name,
                "Key": sfn.JsonPath.format(
                    RUN_RECORDS_PREFIX + "{}/documents/{}.json",
                    sfn.JsonPath.string_at("$.runId"),
                    sfn.JsonPath.string_at("$.line.documentId"),
                ),
                # A JSON object Body is written as its JSON text (a string Body would be quoted).
                "Body": sfn.JsonPath.object_at("$.line"),
                "ContentType": "application/json",
            },
            result_path=sfn.JsonPath.DISCARD,
            output_path="$.line.documentId",
            task_timeout=sfn.Timeout.duration(Duration.seconds(RECORD_TIMEOUT)),
        )
        RECORD_RETRY.applied_to(record)
        return record

    def _invoke(
        self, construct_id: str, function: PythonTaskFunction, retry: RetryPolicy, **options: Any
    ) -> tasks.LambdaInvoke:
        """A step's task: its function's timeout plus TASK_TIMEOUT_MARGIN, and its one retrier."""
        timeout = function.timeout.plus(Duration.seconds(TASK_TIMEOUT_MARGIN))
        return invoke_lambda(self, construct_id, function, timeout=timeout, retry=retry, **options)
