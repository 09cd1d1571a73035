"""The run (Standard parent) graph: plan, sweep, one Express child per batch of documents, report, announce.

State data (JSONPath): `$.request` (the run input, whatever its JSON type), `$.plan` (what Plan
listed or wrote under `requests/`), `$.sweep`, `$.map` (the Distributed Map's result writer
details), `$.report` (counts and the `IngestionCompleted` detail under `event`) and `$.announce`;
`$.sweepError`, `$.mapError`, `$.reportError` and `$.announceError` hold the errors caught.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.common import EVENTBRIDGE_RETRY, invoke_lambda
from stacks.common.contracts import handler_contract
from stacks.rag.functions import RunFunctions
from stacks.rag.settings import RagSettings

CONTRACT = handler_contract("rag")
COMPLETED_EVENT = "IngestionCompleted"
EVENT_TIMEOUT = Duration.seconds(30)


@dataclass(frozen=True)
class RunResources:
    """Everything the run graph refers to; `batch` is the Express child's graph (definition/batch.py)."""

    settings: RagSettings
    functions: RunFunctions
    source_bucket: s3.IBucket
    artifacts_bucket: s3.IBucket
    event_bus: events.IEventBus
    batch: sfn.IChainable


class RunDefinition:
    """Builds the run's chain in `scope`; `chain` is its start."""

    chain: sfn.IChainable

    def __init__(self, scope: Construct, resources: RunResources) -> None:
        self.scope = scope
        self.r = resources
        request, plan = self._plan()
        sweep = self._sweep()
        documents = self._documents()
        # The sweep is clean-up: if it fails the documents are still ingested, and the next run
        # sweeps again (its Lambda errors alarm).
        sweep.add_catch(documents, result_path="$.sweepError")
        report = self._report()
        documents.add_catch(report, result_path="$.mapError")
        not_delivered = self._not_delivered()
        announce = self._announce(not_delivered)
        # Without a report the run still announces itself, as failed, before failing.
        report_unavailable = self._failed_run_report(
            "ReportUnavailable",
            "$.reportError.Error",
            "The report could not be written: announce a failed run without counts",
        )
        report.add_catch(report_unavailable, result_path="$.reportError")
        report_unavailable.next(announce)
        # Planning failed for another reason (listing or request objects not written, a bug): no
        # document was touched; announce a failed run without counts, then fail.
        plan_failed = self._failed_run_report(
            "PlanFailed", "$.Error", "The run could not be planned: announce a failed run without counts"
        )
        plan.add_catch(plan_failed, errors=["States.ALL"], result_path="$")
        plan_failed.next(announce)
        outcome = self._outcome(not_delivered)
        self.chain = request.next(plan).next(sweep).next(documents).next(report).next(announce).next(outcome)

    # ---- request and plan ---------------------------------------------------------------

    def _plan(self) -> tuple[sfn.Pass, sfn.TaskStateBase]:
        invalid = sfn.Fail(
            self.scope,
            "RequestRejected",
            error="InvalidRequest",
            cause_path=sfn.JsonPath.string_at("$.Cause"),
        )
        # A run input may be a list (a batch of uploads): results are then placed beside it.
        request = sfn.Pass(
            self.scope,
            "Request",
            comment="Keep the run input under $.request, whatever its JSON type",
            parameters={"request": sfn.JsonPath.object_at("$")},
        )
        plan = invoke_lambda(
            self.scope,
            "Plan",
            self.r.functions.plan,
            payload={"request": sfn.JsonPath.object_at("$.request"), "runId": sfn.JsonPath.execution_name},
            result_path="$.plan",
        )
        # Errors replace the state: the request may not even be an object (`[...]`, `"..."`).
        plan.add_catch(invalid, errors=[CONTRACT.INVALID_INPUT], result_path="$")
        return request, plan

    # ---- sweep and documents ------------------------------------------------------------

    def _sweep(self) -> sfn.TaskStateBase:
        return invoke_lambda(
            self.scope,
            "Sweep",
            self.r.functions.sweep,
            payload={"plan": sfn.JsonPath.object_at("$.plan"), "runId": sfn.JsonPath.execution_name},
            result_path="$.sweep",
            comment="Delete abandoned in-flight versions; a prefix run also removes documents gone from it",
        )

    def _documents(self) -> sfn.DistributedMap:
        settings = self.r.settings
        documents = sfn.DistributedMap(
            self.scope,
            "IngestDocuments",
            comment="One Express child execution per batch of listed objects; failures are per document",
            item_reader=ListingItemReader(
                buckets=(self.r.source_bucket, self.r.artifacts_bucket),
                bucket_name_path=sfn.JsonPath.string_at("$.plan.bucket"),
                prefix=sfn.JsonPath.string_at("$.plan.prefix"),
            ),
            item_selector={
                "listing": sfn.JsonPath.string_at("$.plan.listing"),
                "bucket": sfn.JsonPath.string_at("$.plan.bucket"),
                "key": sfn.JsonPath.string_at("$$.Map.Item.Value.Key"),
            },
            # Each child gets {"Items": [item, ...], "BatchInput": {"runId"}}: the parent pays one
            # state transition per batch instead of one per document.
            item_batcher=sfn.ItemBatcher(
                max_items_per_batch=settings.documents_per_batch,
                # CDK renders BatchInput as given: the `.$` suffix is spelled out.
                batch_input={"runId.$": "$$.Execution.Name"},
            ),
            max_concurrency=settings.batches_in_flight,
            map_execution_type=sfn.StateMachineType.EXPRESS,
            tolerated_failure_percentage=100,
            result_writer_v2=PrefixResultWriter(
                bucket=self.r.artifacts_bucket, prefix=CONTRACT.MAP_RESULTS_PREFIX.rstrip("/")
            ),
            result_path="$.map",
        )
        documents.item_processor(self.r.batch)
        return documents

    # ---- report and announce ------------------------------------------------------------

    def _report(self) -> sfn.TaskStateBase:
        return invoke_lambda(self.scope, "Report", self.r.functions.report, result_path="$.report")

    def _failed_run_report(self, construct_id: str, error_path: str, comment: str) -> sfn.Pass:
        """A report without counts for a run that failed with the error at `error_path`."""
        return sfn.Pass(
            self.scope,
            construct_id,
            comment=comment,
            parameters={
                "outcome": "failed",
                "event": {
                    "runId": sfn.JsonPath.execution_name,
                    "outcome": "failed",
                    "error": sfn.JsonPath.string_at(error_path),
                },
            },
            result_path="$.report",
        )

    def _announce(self, not_delivered: sfn.Fail) -> tasks.EventBridgePutEvents:
        announce = tasks.EventBridgePutEvents(
            self.scope,
            "AnnounceCompletion",
            entries=[
                tasks.EventBridgePutEventsEntry(
                    event_bus=self.r.event_bus,
                    source=self.r.settings.event_source,
                    detail_type=COMPLETED_EVENT,
                    detail=sfn.TaskInput.from_json_path_at("$.report.event"),
                )
            ],
            result_path="$.announce",
            task_timeout=sfn.Timeout.duration(EVENT_TIMEOUT),
        )
        EVENTBRIDGE_RETRY.applied_to(announce)
        announce.add_catch(not_delivered, result_path="$.announceError")
        return announce

    # ---- outcome ------------------------------------------------------------------------

    def _not_delivered(self) -> sfn.Fail:
        """The run's end when EventBridge rejected the event (its call failed, or an entry did)."""
        return sfn.Fail(
            self.scope,
            "EventNotDelivered",
            error="EventNotDelivered",
            cause="EventBridge rejected the IngestionCompleted event",
        )

    def _outcome(self, not_delivered: sfn.Fail) -> sfn.Choice:
        """Fail when the event was not delivered, every document failed, or the run failed."""
        run_failed = sfn.Fail(
            self.scope,
            "RunFailed",
            error="IngestionRunFailed",
            cause="Planning, the document map or the report failed; IngestionCompleted names the error",
        )
        # Documents failed and none was ingested or unchanged: the report and the event say so, and
        # the run fails so the failed-executions alarm pages. A run with no documents succeeds.
        all_failed = sfn.Fail(
            self.scope,
            "AllDocumentsFailed",
            error=CONTRACT.ALL_DOCUMENTS_FAILED,
            cause="Documents failed and none was ingested or unchanged; the run report "
            "(reports/<execution name>/documents.jsonl) names each document's error",
        )
        return (
            sfn.Choice(self.scope, "EventDelivered?")
            .when(sfn.Condition.number_greater_than("$.announce.FailedEntryCount", 0), not_delivered)
            .when(
                sfn.Condition.and_(
                    sfn.Condition.is_present("$.report.error"),
                    sfn.Condition.string_equals("$.report.error", CONTRACT.ALL_DOCUMENTS_FAILED),
                ),
                all_failed,
            )
            .when(sfn.Condition.string_equals("$.report.outcome", "failed"), run_failed)
            .otherwise(sfn.Succeed(self.scope, "RunComplete"))
        )


class ListingItemReader(sfn.S3ObjectsItemReader):
    """`listObjectsV2` over a bucket chosen at run time, with ListBucket granted on `buckets` only.

    CDK grants `s3:ListBucket` on `*` when the bucket is a JSONPath; the run only ever lists the
    source bucket (prefix runs) or the artifacts bucket (a run's request items).
    """

    def __init__(self, *, buckets: tuple[s3.IBucket, ...], bucket_name_path: str, prefix: str) -> None:
        super().__init__(bucket_name_path=bucket_name_path, prefix=prefix)
        self._buckets = buckets

    def provide_policy_statements(self) -> list[iam.PolicyStatement]:
        return [
            iam.PolicyStatement(
                actions=["s3:ListBucket"], resources=[bucket.bucket_arn for bucket in self._buckets]
            )
        ]


class PrefixResultWriter(sfn.ResultWriterV2):
    """ResultWriter whose object permissions cover its prefix, not the whole bucket."""

    def __init__(self, *, bucket: s3.IBucket, prefix: str) -> None:
        super().__init__(bucket=bucket, prefix=prefix)
        self._bucket, self._prefix = bucket, prefix

    def provide_policy_statements(self) -> list[iam.PolicyStatement]:
        return [
            iam.PolicyStatement(
                actions=[
                    "s3:PutObject",
                    "s3:GetObject",
                    "s3:ListMultipartUploadParts",
                    "s3:AbortMultipartUpload",
                ],
                resources=[self._bucket.arn_for_objects(f"{self._prefix}/*")],
            )
        ]
