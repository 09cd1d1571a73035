"""`RagIngestion`: a Standard run over a prefix, object or URL list, one Express child per batch."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_pipes as pipes
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.common import (
    ALARM_PERIOD,
    EVENTBRIDGE_RETRY,
    AlarmedQueue,
    ObservableStateMachine,
    ObservableStateMachineProps,
    PythonTaskFunction,
    QueueAlarm,
    acknowledge,
    dead_letter_queue,
    encrypted_queue,
    invoke_lambda,
    page_on,
    secure_bucket,
    secure_table,
)
from stacks.common.nag import arn_prefix, arn_token
from stacks.common.platform import Platform
from stacks.rag.document_pipeline import DocumentPipeline, DocumentPipelineProps, rag_function
from stacks.rag.express_budget import (
    BUDGET_SECONDS,
    EXPRESS_LIMIT_SECONDS,
    MARGIN_SECONDS,
    BatchWorstCase,
    batch_worst_case,
)
from stacks.rag.layout import (
    MAP_RESULTS_PREFIX,
    REQUESTS_PREFIX,
    RUN_RECORDS_PREFIX,
    WORKING_PREFIXES,
)
from stacks.rag.settings import EXPRESS_BUDGET_KEYS, RagSettings
from stacks.rag.vector_store import DELETE_ACTIONS, VectorStore
from stacks.settings import ConfigError

COMPLETED_EVENT = "IngestionCompleted"
# Emitted by lambdas/rag/record_failure.py per failed document, and by report.py for each failed
# document whose failure could not be recorded.
FAILED_DOCUMENTS_METRIC = "DocumentsFailed"
# The run's error when documents failed and none was ingested or unchanged (lambdas/rag/report.py).
ALL_DOCUMENTS_FAILED = "AllDocumentsFailed"
# Each upload message becomes `{"bucket", "key"}`: the run input is a list of them (lambdas/rag/plan.py).
UPLOAD_RECORD_TEMPLATE = '{"bucket": <$.body.bucket>, "key": <$.body.key>}'
# Construct paths of the upload queue and pipe inside the stack (localrun and bench find them by these).
UPLOAD_QUEUE = "Workflow/Uploads"
UPLOAD_PIPE = "Workflow/UploadPipe"
# A message in flight to StartExecution stays hidden this long before the pipe may retry it.
UPLOAD_VISIBILITY_SECONDS = 120


@dataclass(frozen=True)
class RagIngestionProps:
    """What a stack (or an extending construct) decides for one ingestion workflow."""

    platform: Platform
    settings: RagSettings
    alarm_topic: sns.ITopic
    # An existing bucket to ingest from (its EventBridge notifications must be on); default: a new one.
    source_bucket: s3.IBucket | None = None
    # The bus `IngestionCompleted` goes to; default: the account's default bus.
    event_bus: events.IEventBus | None = None


class RagIngestion(Construct):
    """Sources, artifacts, document registry, vector index, task functions and both workflows.

    Everything is exposed so a platform team can grant readers access (`vectors`, `registry`),
    subscribe to `IngestionCompleted`, or subclass: `pipeline_class` swaps the per-document
    workflow, `_document_pipeline_props` what it is given.
    """

    pipeline_class: type[DocumentPipeline] = DocumentPipeline

    source_bucket: s3.IBucket
    artifacts_bucket: s3.Bucket
    registry: dynamodb.TableV2
    vectors: VectorStore
    functions: dict[str, PythonTaskFunction]
    pipeline: DocumentPipeline
    workflow: ObservableStateMachine
    state_machine: sfn.StateMachine
    event_bus: events.IEventBus
    upload_rule: events.Rule
    upload_queue: AlarmedQueue
    upload_pipe: pipes.CfnPipe
    trigger_dead_letters: AlarmedQueue
    failed_documents_alarm: cloudwatch.Alarm
    sweep_failed_alarm: cloudwatch.Alarm

    def __init__(self, scope: Construct, construct_id: str, props: RagIngestionProps) -> None:
        super().__init__(scope, construct_id)
        self.props = props
        settings = props.settings
        self.source_bucket = props.source_bucket or self._create_source_bucket(props.platform)
        self.artifacts_bucket = self._create_artifacts_bucket(props.platform, settings)
        self.registry = secure_table(
            self,
            "DocumentRegistry",
            props.platform,
            partition_key=dynamodb.Attribute(name="source", type=dynamodb.AttributeType.STRING),
        )
        self.vectors = VectorStore(
            self,
            "Vectors",
            dimension=settings.embedding_dimension,
            distance_metric=settings.distance_metric,
            removal_policy=props.platform.removal_policy,
        )
        self.event_bus = props.event_bus or events.EventBus.from_event_bus_name(self, "DefaultBus", "default")
        self.functions = {}
        self._functions_scope = Construct(self, "Functions")
        self.plan_function = self._function("Plan", "plan.handler", "Validate a run request")
        self.sweep_function = self._function(
            "Sweep",
            "cleanup.sweep",
            "Delete abandoned versions and documents whose sources are gone",
            timeout=900,
            environment={
                "VECTOR_INDEX_ARN": self.vectors.index_arn,
                "REGISTRY_TABLE": self.registry.table_name,
            },
        )
        self.report_function = self._function(
            "Report", "report.handler", "Aggregate per-document lines", timeout=900, memory=1024
        )
        self.pipeline = self.pipeline_class(self, "Document", self._document_pipeline_props())
        self.functions.update(self.pipeline.functions)
        self._grant_run_functions(settings)
        self.workflow = ObservableStateMachine(
            self,
            "Workflow",
            ObservableStateMachineProps(
                platform=props.platform,
                definition=self._run_definition(settings),
                alarm_topic=props.alarm_topic,
                timeout=Duration.hours(settings.run_timeout_hours),
                state_machine_type=sfn.StateMachineType.STANDARD,
                comment="RAG ingestion run: plan, one Express child per batch of documents, report, announce",
                task_functions=list(self.functions.values()),
            ),
        )
        self.state_machine = self.workflow.state_machine
        self._grant_state_machine()
        self.trigger_dead_letters = dead_letter_queue(
            self,
            "TriggerDeadLetters",
            alarm_topic=props.alarm_topic,
            description="An Object Created or Object Deleted event could not be queued for ingestion (8 "
            "retries over up to 24 hours); the event is in the trigger dead-letter queue.",
        )
        self.upload_queue = encrypted_queue(
            self,
            "Uploads",
            alarm_topic=props.alarm_topic,
            alarm=QueueAlarm(
                "Uploaded or deleted objects have waited 15 minutes to be ingested: the upload pipe "
                "cannot start ingestion runs (see the pipe's state and the state machine's throttles).",
                max_age=Duration.minutes(15),
            ),
            visibility_timeout=Duration.seconds(UPLOAD_VISIBILITY_SECONDS),
        )
        self.upload_rule = self._upload_rule(settings)
        self.upload_pipe = self._upload_pipe(settings)
        self.sweep_failed_alarm = page_on(
            self,
            "SweepFailedAlarm",
            self.sweep_function.function.metric_errors(period=ALARM_PERIOD),
            topic=props.alarm_topic,
            description="The run sweep failed: runs carry on, but abandoned versions and documents deleted "
            "from a prefix keep their vectors until a sweep succeeds. See the Sweep function's logs.",
        )
        self.failed_documents_alarm = page_on(
            self,
            "DocumentsFailedAlarm",
            self.report_function.metric(FAILED_DOCUMENTS_METRIC, period=ALARM_PERIOD),
            topic=props.alarm_topic,
            description="Documents failed to ingest in the last 5 minutes; their previous versions keep "
            "serving. The run report (reports/<runId>/documents.jsonl) names each with its error.",
        )

    # -- resources ---------------------------------------------------------------------------

    def _create_source_bucket(self, platform: Platform) -> s3.Bucket:
        bucket = secure_bucket(self, "Sources", platform, versioned=True)
        # Native CloudFormation switch (no notifications custom resource): S3 -> EventBridge.
        cfn_bucket: s3.CfnBucket = bucket.node.default_child  # type: ignore[assignment]
        cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            event_bridge_configuration=s3.CfnBucket.EventBridgeConfigurationProperty(
                event_bridge_enabled=True
            )
        )
        return bucket

    def _create_artifacts_bucket(self, platform: Platform, settings: RagSettings) -> s3.Bucket:
        bucket = secure_bucket(self, "Artifacts", platform)
        for prefix in WORKING_PREFIXES:
            bucket.add_lifecycle_rule(
                id=f"expire-{prefix.strip('/')}",
                prefix=prefix,
                expiration=Duration.days(settings.artifact_retention_days),
            )
        return bucket

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
            self.artifacts_bucket,
            handler,
            description,
            timeout=timeout,
            memory=memory,
            environment=environment,
        )
        self.functions[construct_id] = function
        return function

    def _document_pipeline_props(self) -> DocumentPipelineProps:
        return DocumentPipelineProps(
            platform=self.props.platform,
            settings=self.props.settings,
            source_bucket=self.source_bucket,
            artifacts_bucket=self.artifacts_bucket,
            registry=self.registry,
            vectors=self.vectors,
        )

    def _grant_run_functions(self, settings: RagSettings) -> None:
        plan = self.plan_function
        plan.function.add_environment("SOURCE_BUCKET", self.source_bucket.bucket_name)
        plan.function.add_environment("SOURCE_PREFIX", settings.source_prefix)
        plan.function.add_environment("MAX_URLS_PER_RUN", str(settings.max_urls_per_run))
        plan.grant_object_access(self.artifacts_bucket, ["s3:PutObject"], f"{REQUESTS_PREFIX}*")
        plan.grant_object_access(self.source_bucket, ["s3:GetObject"], f"{settings.source_prefix}*")
        _grant_list(plan, self.source_bucket, settings.source_prefix)
        sweep = self.sweep_function
        _grant_list(sweep, self.source_bucket, settings.source_prefix)
        sweep.grant_object_access(self.artifacts_bucket, ["s3:PutObject"], f"{RUN_RECORDS_PREFIX}*")
        self.registry.grant(sweep.function, "dynamodb:Scan", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
        self.vectors.grant(sweep.role, DELETE_ACTIONS)
        report = self.report_function
        report.grant_object_access(self.artifacts_bucket, ["s3:GetObject"], f"{RUN_RECORDS_PREFIX}*")
        report.grant_object_access(self.artifacts_bucket, ["s3:GetObject"], f"{MAP_RESULTS_PREFIX}*")
        report.grant_object_access(self.artifacts_bucket, ["s3:GetObject"], f"{REQUESTS_PREFIX}*")
        report.grant_object_access(self.artifacts_bucket, ["s3:PutObject"], "reports/*")
        _grant_list(report, self.artifacts_bucket, RUN_RECORDS_PREFIX)

    def _grant_state_machine(self) -> None:
        role = self.workflow.role
        policy = role.node.find_child("DefaultPolicy")
        for pattern in (f"{RUN_RECORDS_PREFIX}*", f"{MAP_RESULTS_PREFIX}*"):
            acknowledge(
                policy,
                f"AwsSolutions-IAM5[Resource::{arn_token(self.artifacts_bucket)}/{pattern}]",
                "Per-document outcome records and Distributed Map results are written under one "
                "prefix of this workflow's own artifacts bucket.",
            )
        distributed_map_policy = self.state_machine.node.find_child("DistributedMapPolicy")
        machine_id = Stack.of(self).get_logical_id(self.state_machine.node.default_child)
        name = f'{{"Fn::Select":[6,{{"Fn::Split":[":",{{"Ref":"{machine_id}"}}]}}]}}'
        for suffix in (":*", "/*:*"):
            acknowledge(
                distributed_map_policy,
                f"AwsSolutions-IAM5[Resource::{arn_prefix(self, 'states')}execution:{name}{suffix}]",
                "A Distributed Map describes, stops and redrives the child executions of this "
                "state machine only; their names are generated per map run.",
            )

    # -- the run (parent) workflow -------------------------------------------------------------

    def _run_definition(self, settings: RagSettings) -> sfn.IChainable:
        invalid = sfn.Fail(
            self,
            "RequestRejected",
            error="InvalidRequest",
            cause_path=sfn.JsonPath.string_at("$.Cause"),
        )
        # A run input may be a list (a batch of uploads): results are then placed beside it.
        request = sfn.Pass(
            self,
            "Request",
            comment="Keep the run input under $.request, whatever its JSON type",
            parameters={"request": sfn.JsonPath.object_at("$")},
        )
        plan = invoke_lambda(
            self,
            "Plan",
            self.plan_function,
            payload={
                "request": sfn.JsonPath.object_at("$.request"),
                "runId": sfn.JsonPath.execution_name,
            },
            result_path="$.plan",
        )
        # Errors replace the state: the request may not even be an object (`[...]`, `"..."`).
        plan.add_catch(invalid, errors=["InvalidInput"], result_path="$")
        sweep = invoke_lambda(
            self,
            "Sweep",
            self.sweep_function,
            payload={"plan": sfn.JsonPath.object_at("$.plan"), "runId": sfn.JsonPath.execution_name},
            result_path="$.sweep",
            comment="Delete abandoned in-flight versions; a prefix run also removes documents gone from it",
        )

        documents = sfn.DistributedMap(
            self,
            "IngestDocuments",
            comment="One Express child execution per batch of listed objects; failures are per document",
            item_reader=ListingItemReader(
                buckets=(self.source_bucket, self.artifacts_bucket),
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
                bucket=self.artifacts_bucket, prefix=MAP_RESULTS_PREFIX.rstrip("/")
            ),
            result_path="$.map",
        )
        documents.item_processor(self._batch_definition(settings))
        # The sweep is clean-up: if it fails the documents are still ingested, and the next run
        # sweeps again (its Lambda errors alarm).
        sweep.add_catch(documents, result_path="$.sweepError")

        report = invoke_lambda(self, "Report", self.report_function, result_path="$.report")
        documents.add_catch(report, result_path="$.mapError")
        # Without a report the run still announces itself, as failed, before failing.
        report_unavailable = self._failed_run_report(
            "ReportUnavailable",
            "$.reportError.Error",
            "The report could not be written: announce a failed run without counts",
        )
        report.add_catch(report_unavailable, result_path="$.reportError")

        announce = tasks.EventBridgePutEvents(
            self,
            "AnnounceCompletion",
            entries=[
                tasks.EventBridgePutEventsEntry(
                    event_bus=self.event_bus,
                    source=settings.event_source,
                    detail_type=COMPLETED_EVENT,
                    detail=sfn.TaskInput.from_json_path_at("$.report.event"),
                )
            ],
            result_path="$.announce",
            task_timeout=sfn.Timeout.duration(Duration.seconds(30)),
        )
        EVENTBRIDGE_RETRY.applied_to(announce)
        run_failed = sfn.Fail(
            self,
            "RunFailed",
            error="IngestionRunFailed",
            cause="Planning, the document map or the report failed; IngestionCompleted names the error",
        )
        not_delivered = sfn.Fail(
            self,
            "EventNotDelivered",
            error="EventNotDelivered",
            cause="EventBridge rejected the IngestionCompleted event",
        )
        announce.add_catch(not_delivered, result_path="$.announceError")
        # Documents failed and none was ingested or unchanged: the report and the event say so, and
        # the run fails so the failed-executions alarm pages. A run with no documents succeeds.
        all_failed = sfn.Fail(
            self,
            "AllDocumentsFailed",
            error=ALL_DOCUMENTS_FAILED,
            cause="Documents failed and none was ingested or unchanged; the run report "
            "(reports/<execution name>/documents.jsonl) names each document's error",
        )
        outcome = (
            sfn.Choice(self, "EventDelivered?")
            .when(sfn.Condition.number_greater_than("$.announce.FailedEntryCount", 0), not_delivered)
            .when(
                sfn.Condition.and_(
                    sfn.Condition.is_present("$.report.error"),
                    sfn.Condition.string_equals("$.report.error", ALL_DOCUMENTS_FAILED),
                ),
                all_failed,
            )
            .when(sfn.Condition.string_equals("$.report.outcome", "failed"), run_failed)
            .otherwise(sfn.Succeed(self, "RunComplete"))
        )
        report_unavailable.next(announce)
        # Planning failed for another reason (listing or request objects not written, a bug): no
        # document was touched; announce a failed run without counts, then fail.
        plan_failed = self._failed_run_report(
            "PlanFailed", "$.Error", "The run could not be planned: announce a failed run without counts"
        )
        plan.add_catch(plan_failed, errors=["States.ALL"], result_path="$")
        plan_failed.next(announce)
        return request.next(plan).next(sweep).next(documents).next(report).next(announce).next(outcome)

    def _batch_definition(self, settings: RagSettings) -> sfn.IChainable:
        """The Express child: the document pipeline for each document of its batch.

        Every document's path ends in a state that succeeds (its line recorded, or a marker naming
        the document and the error when even that failed), so one document never fails the others.
        """
        batch = sfn.Map(
            self,
            "IngestBatch",
            comment="Each document of the batch through the document pipeline",
            items_path="$.Items",
            item_selector={
                "item": sfn.JsonPath.object_at("$$.Map.Item.Value"),
                "runId": sfn.JsonPath.string_at("$.BatchInput.runId"),
            },
            max_concurrency=settings.documents_in_flight_per_batch,
        )
        batch.item_processor(self.pipeline.definition)
        check_express_budget(
            self.props.platform, batch_worst_case(batch.to_state_json(), settings.documents_per_batch)
        )
        return batch

    def _failed_run_report(self, construct_id: str, error_path: str, comment: str) -> sfn.Pass:
        """A report without counts for a run that failed with the error at `error_path`."""
        return sfn.Pass(
            self,
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

    def _upload_rule(self, settings: RagSettings) -> events.Rule:
        """Object Created and Object Deleted under the source prefix, queued as `{"bucket", "key"}`.

        The run finds each object present (ingest) or gone (remove), so events arriving out of order
        still leave the index matching the bucket.
        """
        rule = events.Rule(
            self,
            "UploadEvents",
            description="Queue each object created or deleted under the source prefix for a batched run",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created", "Object Deleted"],
                detail={
                    "bucket": {"name": [self.source_bucket.bucket_name]},
                    "object": {"key": [{"prefix": settings.source_prefix}]},
                },
            ),
        )
        rule.add_target(
            targets.SqsQueue(
                self.upload_queue,
                message=events.RuleTargetInput.from_object(
                    {
                        "bucket": events.EventField.from_path("$.detail.bucket.name"),
                        "key": events.EventField.from_path("$.detail.object.key"),
                    }
                ),
                dead_letter_queue=self.trigger_dead_letters,
                retry_attempts=8,
                max_event_age=Duration.hours(24),
            )
        )
        return rule

    def _upload_pipe(self, settings: RagSettings) -> pipes.CfnPipe:
        """One Standard run per batch of queued uploads: up to `uploadBatchSize` keys, or what
        `uploadDelaySeconds` gathered. A batch the run cannot start is retried, then dead-lettered."""
        role = iam.Role(
            self,
            "UploadPipeRole",
            assumed_by=iam.ServicePrincipal(
                "pipes.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            ),
            description="The rag upload pipe: read the upload queue, start ingestion runs",
        )
        self.upload_queue.grant_consume_messages(role)
        self.state_machine.grant_start_execution(role)
        pipe = pipes.CfnPipe(
            self,
            "UploadPipe",
            description="Batches of queued uploads and deletions, one ingestion run each",
            role_arn=role.role_arn,
            source=self.upload_queue.queue_arn,
            source_parameters=pipes.CfnPipe.PipeSourceParametersProperty(
                sqs_queue_parameters=pipes.CfnPipe.PipeSourceSqsQueueParametersProperty(
                    batch_size=settings.upload_batch_size,
                    maximum_batching_window_in_seconds=settings.upload_delay_seconds,
                )
            ),
            target=self.state_machine.state_machine_arn,
            target_parameters=pipes.CfnPipe.PipeTargetParametersProperty(
                input_template=UPLOAD_RECORD_TEMPLATE,
                step_function_state_machine_parameters=pipes.CfnPipe.PipeTargetStateMachineParametersProperty(
                    invocation_type="FIRE_AND_FORGET"
                ),
            ),
        )
        pipe.node.add_dependency(role)
        return pipe


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


def check_express_budget(platform: Platform, worst: BatchWorstCase) -> None:
    """Fail synth, naming the keys to change, when one child's worst case does not fit Express."""
    if worst.fits:
        return
    keys = ", ".join(f"environments.{platform.name}.rag.{key}" for key in EXPRESS_BUDGET_KEYS)
    raise ConfigError(
        f"environments.{platform.name}.rag: one Express child can run {worst.describe()}, over the "
        f"{BUDGET_SECONDS} s budget ({EXPRESS_LIMIT_SECONDS} s Express limit - {MARGIN_SECONDS} s "
        f"margin); change {keys}"
    )


def _grant_list(function: PythonTaskFunction, bucket: s3.IBucket, prefix: str) -> None:
    """Allow ListBucket on one bucket, restricted to keys under `prefix`."""
    function.role.add_to_policy(
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}},
        )
    )
