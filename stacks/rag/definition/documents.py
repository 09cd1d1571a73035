"""One document's graph: fetch -> parse -> chunk -> embed -> upsert -> validate -> commit.

It runs for each document of a batch, inside the Express child of the run's Distributed Map.
Every path ends in `RecordOutcome`, which writes the document's line under
`runs/<runId>/documents/` and returns the document id, so a failure is always recorded. A source
object found deleted goes to `RemoveDocument`. If RecordFailure fails, `DiscardVersion` still
deletes the failed version's vectors by key. If recording itself fails (RecordFailure or
RecordOutcome, after retries), `OutcomeNotRecorded` returns the item and the error instead: the run
report lists the document failed from the batch's output, and the other documents of the batch
carry on.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.common import S3_RETRY, PythonTaskFunction, RetryPolicy, invoke_lambda
from stacks.common.contracts import handler_contract
from stacks.common.tasks import LAMBDA_TRANSIENT_ERRORS
from stacks.rag.functions import DocumentFunctions

CONTRACT = handler_contract("rag")

# Every step's Retry, in one table (function timeouts are in stacks/rag/functions.py): the Express
# budget (stacks/rag/express_budget.py) is checked on the definition built. Each step has one
# retrier (Lambda's transient errors plus its own named ones), so its attempts are counted once.
TASK_TIMEOUT_MARGIN = 2  # seconds a task waits past its function's timeout for Lambda's own error


def step_retry(*errors: str, attempts: int = 1, interval: int = 1, max_delay: int = 30) -> RetryPolicy:
    """One retrier for a rag Lambda task: Lambda's transient errors and the step's named ones."""
    return RetryPolicy(
        (*LAMBDA_TRANSIENT_ERRORS, *errors),
        interval=Duration.seconds(interval),
        max_attempts=attempts,
        max_delay=Duration.seconds(max_delay),
    )


# Named, transient handler errors (lambdas/rag/errors.py) and how each step retries them.
FETCH_RETRY = step_retry(CONTRACT.FETCH_TIMEOUT, CONTRACT.SOURCE_UNAVAILABLE)
WORKER_RETRY = step_retry()
EMBED_RETRY = step_retry(CONTRACT.EMBEDDING_THROTTLED, CONTRACT.MODEL_UNAVAILABLE, interval=5)
VECTOR_RETRY = step_retry(CONTRACT.VECTOR_STORE_BUSY)
# Read-after-write visibility of new vectors is not documented as immediate: re-check once
# before a mismatch is treated as real and the version rolled back.
VALIDATION_RETRY = step_retry(CONTRACT.VECTOR_STORE_BUSY, CONTRACT.VALIDATION_MISMATCH, interval=2)
# One retry only: the record write is budgeted inside the Express duration (express_budget.py).
RECORD_RETRY = S3_RETRY.with_attempts(1)
RECORD_TIMEOUT = 5

DOCUMENT = sfn.JsonPath.object_at("$.fetch.document")
RUN_ID = sfn.JsonPath.string_at("$.runId")


class DocumentDefinition:
    """Builds one document's chain in `scope`; `chain` is its start."""

    chain: sfn.IChainable

    def __init__(self, scope: Construct, functions: DocumentFunctions, artifacts_bucket: s3.IBucket) -> None:
        self.scope = scope
        self.f = functions
        self.artifacts_bucket = artifacts_bucket
        fetch = self._fetch()
        ingest = self._ingest()
        remove = self._remove()
        record = self._record_outcome()
        record_failure = self._record_failure()
        for step in (fetch, *ingest, remove):
            step.add_catch(record_failure, result_path="$.error")
        changed = self._routing(ingest, remove, record)
        self._when_recording_fails(record_failure, record)
        self.chain = fetch.next(changed)

    # ---- fetch and route ---------------------------------------------------------------

    def _fetch(self) -> tasks.LambdaInvoke:
        return self._invoke(
            "Fetch",
            self.f.fetch,
            FETCH_RETRY,
            payload={"item": sfn.JsonPath.object_at("$.item"), "runId": RUN_ID},
            result_path="$.fetch",
        )

    def _routing(
        self, ingest: tuple[tasks.LambdaInvoke, ...], remove: tasks.LambdaInvoke, record: sfn.IChainable
    ) -> sfn.Choice:
        """Changed: the ingest chain; deleted: remove; otherwise (unchanged, ignorable): skip."""
        skip = sfn.Pass(
            self.scope,
            "SkipUnchanged",
            comment="Unchanged (or ignorable) object: nothing to index",
            input_path="$.fetch.line",
            result_path="$.line",
        )
        parse, chunk, embed, upsert, validate, commit = ingest
        return (
            sfn.Choice(self.scope, "Changed?")
            .when(
                sfn.Condition.string_equals("$.fetch.status", "changed"),
                parse.next(chunk).next(embed).next(upsert).next(validate).next(commit).next(record),
            )
            .when(sfn.Condition.string_equals("$.fetch.status", "deleted"), remove.next(record))
            .otherwise(skip.next(record))
        )

    # ---- ingest a changed document ------------------------------------------------------

    def _ingest(self) -> tuple[tasks.LambdaInvoke, ...]:
        """Parse, Chunk, Embed, Upsert, Validate and Commit (not yet chained)."""
        parsed, chunks = sfn.JsonPath.object_at("$.parse"), sfn.JsonPath.object_at("$.chunk")
        embeddings = sfn.JsonPath.object_at("$.embed")
        parse = self._invoke(
            "Parse", self.f.parse, WORKER_RETRY, payload={"document": DOCUMENT}, result_path="$.parse"
        )
        chunk = self._invoke(
            "Chunk",
            self.f.chunk,
            WORKER_RETRY,
            payload={"document": DOCUMENT, "parsed": parsed},
            result_path="$.chunk",
        )
        embed = self._invoke(
            "Embed",
            self.f.embed,
            EMBED_RETRY,
            payload={"document": DOCUMENT, "chunks": chunks},
            result_path="$.embed",
        )
        upsert = self._invoke(
            "Upsert",
            self.f.upsert,
            VECTOR_RETRY,
            payload={"document": DOCUMENT, "parsed": parsed, "chunks": chunks, "embeddings": embeddings},
            result_path="$.upsert",
        )
        validate = self._invoke(
            "Validate",
            self.f.validate,
            VALIDATION_RETRY,
            payload={"document": DOCUMENT, "chunks": chunks, "embeddings": embeddings},
            result_path="$.validate",
        )
        commit = self._invoke(
            "Commit",
            self.f.commit,
            VECTOR_RETRY,
            payload={
                "document": DOCUMENT,
                "parsed": parsed,
                "chunks": chunks,
                "validation": sfn.JsonPath.object_at("$.validate"),
                "runId": RUN_ID,
            },
            result_path="$.line",
        )
        return parse, chunk, embed, upsert, validate, commit

    # ---- remove a deleted source --------------------------------------------------------

    def _remove(self) -> tasks.LambdaInvoke:
        return self._invoke(
            "RemoveDocument",
            self.f.remove,
            VECTOR_RETRY,
            payload={"document": DOCUMENT, "runId": RUN_ID},
            result_path="$.line",
            comment="The source object is gone: delete its vectors and registry entry",
        )

    # ---- failure path -------------------------------------------------------------------

    def _record_failure(self) -> tasks.LambdaInvoke:
        # The whole state is the input: it says how far the document got (fetch, chunk, ...).
        return self._invoke("RecordFailure", self.f.record_failure, VECTOR_RETRY, result_path="$.line")

    def _when_recording_fails(self, record_failure: tasks.LambdaInvoke, record: tasks.CallAwsService) -> None:
        """RecordFailure goes on to RecordOutcome; if either fails, DiscardVersion and OutcomeNotRecorded."""
        # If recording the failure fails, the failed version's vectors are still deleted by key;
        # if that fails too, the version stays in the registry's `pending` for the run sweep.
        discard = self._invoke(
            "DiscardVersion",
            self.f.discard,
            VECTOR_RETRY,
            result_path="$.discarded",
            comment="RecordFailure failed: delete the failed version's vectors by key",
        )
        not_recorded = sfn.Pass(
            self.scope,
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

    # ---- record the outcome -------------------------------------------------------------

    def _record_outcome(self) -> tasks.CallAwsService:
        artifacts = self.artifacts_bucket
        record = tasks.CallAwsService(
            self.scope,
            "RecordOutcome",
            comment="Claim-check the document's line for the run report, then return the document id",
            service="s3",
            action="putObject",
            iam_action="s3:PutObject",
            iam_resources=[artifacts.arn_for_objects(f"{CONTRACT.RUN_RECORDS_PREFIX}*")],
            parameters={
                "Bucket": artifacts.bucket_name,
                "Key": sfn.JsonPath.format(
                    CONTRACT.RUN_RECORD_KEY_FORMAT,
                    RUN_ID,
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
        return invoke_lambda(self.scope, construct_id, function, timeout=timeout, retry=retry, **options)
