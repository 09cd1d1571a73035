"""`RagIngestion`: resources and wiring of a Standard run over a prefix, object or URL list.

The task functions are created in `functions.py`, the state graphs in `definition/` (the run, its
Express child per batch, one document); here: buckets, registry, vectors, grants, the upload
rule, queue and pipe, alarms, and the state machine that runs the graph.
"""

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
from constructs import Construct

from stacks.common import (
    ALARM_PERIOD,
    AlarmedQueue,
    ObservableStateMachine,
    ObservableStateMachineProps,
    PythonTaskFunction,
    QueueAlarm,
    acknowledge,
    dead_letter_queue,
    encrypted_queue,
    page_on,
    secure_bucket,
    secure_table,
)
from stacks.common.contracts import handler_contract
from stacks.common.nag import arn_prefix, arn_token
from stacks.common.platform import Platform
from stacks.rag.definition.batch import batch_definition
from stacks.rag.definition.documents import DocumentDefinition
from stacks.rag.definition.run import RunDefinition, RunResources
from stacks.rag.functions import (
    DocumentFunctions,
    FunctionInputs,
    RagFunctionFactory,
    RunFunctions,
    create_document_functions,
    create_run_functions,
)
from stacks.rag.settings import RagSettings
from stacks.rag.vector_store import DELETE_ACTIONS, READ_ACTIONS, WRITE_ACTIONS, VectorStore

CONTRACT = handler_contract("rag")
# Emitted by lambdas/rag/record_failure.py per failed document, and by report.py for each failed
# document whose failure could not be recorded (a literal there: tests/quality/test_alarms.py reads it).
FAILED_DOCUMENTS_METRIC = "DocumentsFailed"
# Each upload message becomes `{"bucket", "key"}`: the run input is a list of them (lambdas/rag/plan.py).
UPLOAD_RECORD_TEMPLATE = '{"bucket": <$.body.bucket>, "key": <$.body.key>}'
# Construct paths of the upload queue and pipe inside the stack (localrun and bench find them by these).
UPLOAD_QUEUE = "Workflow/Uploads"
UPLOAD_PIPE = "Workflow/UploadPipe"
# A message in flight to StartExecution stays hidden this long before the pipe may retry it.
UPLOAD_VISIBILITY_SECONDS = 120
FUNCTIONS_SCOPE = "Functions"


@dataclass(frozen=True)
class DocumentPipelineProps:
    """What the per-document pipeline is given (an extending pipeline may be given more)."""

    platform: Platform
    settings: RagSettings
    source_bucket: s3.IBucket
    artifacts_bucket: s3.IBucket
    registry: dynamodb.ITableV2
    vectors: VectorStore


class DocumentPipeline(Construct):
    """The task functions, grants and state chain that ingest one document (an Express processor).

    Subclass to change the per-document steps: override `_definition` (add functions with
    `self.factory.task(...)`, they join `functions`); every path must end in a state that succeeds
    (definition/documents.py).
    """

    factory: RagFunctionFactory
    functions: dict[str, PythonTaskFunction]
    task_functions: DocumentFunctions
    definition: sfn.IChainable

    def __init__(self, scope: Construct, construct_id: str, props: DocumentPipelineProps) -> None:
        super().__init__(scope, construct_id)
        self.props = props
        self.factory = RagFunctionFactory(
            Construct(self, FUNCTIONS_SCOPE), props.platform, props.artifacts_bucket
        )
        inputs = FunctionInputs(props.settings, props.source_bucket, props.registry, props.vectors)
        self.task_functions = create_document_functions(self.factory, inputs)
        self.functions = self.factory.functions
        f = self.task_functions
        self.fetch, self.parse, self.chunk, self.embed = f.fetch, f.parse, f.chunk, f.embed
        self.upsert, self.validate, self.commit = f.upsert, f.validate, f.commit
        self.record_failure, self.remove, self.discard = f.record_failure, f.remove, f.discard
        self._grant()
        self.definition = self._definition()

    def _definition(self) -> sfn.IChainable:
        return DocumentDefinition(self, self.task_functions, self.props.artifacts_bucket).chain

    def _grant(self) -> None:
        self._grant_fetch()
        self._grant_transforms()
        self._grant_bookkeeping()

    def _grant_fetch(self) -> None:
        props = self.props
        artifacts, source_prefix = props.artifacts_bucket, props.settings.source_prefix
        self.fetch.grant_object_access(props.source_bucket, ["s3:GetObject"], f"{source_prefix}*")
        self.fetch.grant_object_access(artifacts, ["s3:GetObject"], f"{CONTRACT.REQUESTS_PREFIX}*")
        self.fetch.grant_object_access(artifacts, ["s3:PutObject"], f"{CONTRACT.RAW_PREFIX}*")
        props.registry.grant_read_data(self.fetch.function)
        # A missing object must read as NoSuchKey (deleted), not AccessDenied: list the prefix.
        grant_list(self.fetch, props.source_bucket, source_prefix)

    def _grant_transforms(self) -> None:
        """Parse, Chunk and Embed: each reads the previous artifact and writes its own."""
        artifacts = self.props.artifacts_bucket
        self.parse.grant_object_access(artifacts, ["s3:GetObject"], f"{CONTRACT.RAW_PREFIX}*")
        self.parse.grant_object_access(artifacts, ["s3:PutObject"], f"{CONTRACT.PARSED_PREFIX}*")

        self.chunk.grant_object_access(artifacts, ["s3:GetObject"], f"{CONTRACT.PARSED_PREFIX}*")
        self.chunk.grant_object_access(artifacts, ["s3:PutObject"], f"{CONTRACT.CHUNKS_PREFIX}*")

        self.embed.grant_object_access(artifacts, ["s3:GetObject"], f"{CONTRACT.CHUNKS_PREFIX}*")
        self.embed.grant_object_access(
            artifacts, ["s3:GetObject", "s3:PutObject"], f"{CONTRACT.EMBEDDINGS_PREFIX}*"
        )
        grant_list(self.embed, artifacts, CONTRACT.EMBEDDINGS_PREFIX)
        self.embed.role.add_to_policy(
            iam.PolicyStatement(
                actions=["bedrock:InvokeModel"],
                resources=[
                    Stack.of(self).format_arn(
                        service="bedrock",
                        account="",
                        resource="foundation-model",
                        resource_name=self.props.settings.embedding_model_id,
                    )
                ],
            )
        )

    def _grant_bookkeeping(self) -> None:
        """Upsert, Validate, Commit, RecordFailure, Remove and Discard: vectors and the registry."""
        props, artifacts = self.props, self.props.artifacts_bucket
        for function in (self.upsert, self.validate):
            function.grant_object_access(artifacts, ["s3:GetObject"], f"{CONTRACT.CHUNKS_PREFIX}*")
            function.grant_object_access(artifacts, ["s3:GetObject"], f"{CONTRACT.EMBEDDINGS_PREFIX}*")
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
        self.record_failure.grant_object_access(artifacts, ["s3:GetObject"], f"{CONTRACT.REQUESTS_PREFIX}*")


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
    workflow, `_document_pipeline_props` what it is given, `_batch_definition` the Express child.
    """

    pipeline_class: type[DocumentPipeline] = DocumentPipeline

    source_bucket: s3.IBucket
    artifacts_bucket: s3.Bucket
    registry: dynamodb.TableV2
    vectors: VectorStore
    functions: dict[str, PythonTaskFunction]
    run_functions: RunFunctions
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
        self._create_storage()
        self._create_functions()
        self._create_workflow()
        self._create_uploads()
        self._create_alarms()

    # -- resources ---------------------------------------------------------------------------

    def _create_storage(self) -> None:
        """Source and artifacts buckets, the document registry, the vector index and the event bus."""
        props, settings = self.props, self.props.settings
        self.source_bucket = props.source_bucket or self._create_source_bucket(props.platform)
        self.artifacts_bucket = self._create_artifacts_bucket(props.platform, settings)
        self.registry = secure_table(
            self,
            "DocumentRegistry",
            props.platform,
            partition_key=dynamodb.Attribute(name=CONTRACT.REGISTRY_KEY, type=dynamodb.AttributeType.STRING),
        )
        self.vectors = VectorStore(
            self,
            "Vectors",
            dimension=settings.embedding_dimension,
            distance_metric=settings.distance_metric,
            removal_policy=props.platform.removal_policy,
        )
        self.event_bus = props.event_bus or events.EventBus.from_event_bus_name(self, "DefaultBus", "default")

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
        for prefix in CONTRACT.WORKING_PREFIXES:
            bucket.add_lifecycle_rule(
                id=f"expire-{prefix.strip('/')}",
                prefix=prefix,
                expiration=Duration.days(settings.artifact_retention_days),
            )
        return bucket

    # -- task functions and their grants ------------------------------------------------------

    def _create_functions(self) -> None:
        """The run's functions (Plan, Sweep, Report), then the document pipeline with its own."""
        factory = RagFunctionFactory(
            Construct(self, FUNCTIONS_SCOPE), self.props.platform, self.artifacts_bucket
        )
        self.run_functions = create_run_functions(
            factory, FunctionInputs(self.props.settings, self.source_bucket, self.registry, self.vectors)
        )
        self.plan_function = self.run_functions.plan
        self.sweep_function = self.run_functions.sweep
        self.report_function = self.run_functions.report
        self.functions = dict(factory.functions)
        self.pipeline = self.pipeline_class(self, "Document", self._document_pipeline_props())
        self.functions.update(self.pipeline.functions)
        self._grant_run_functions(self.props.settings)

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
        artifacts = self.artifacts_bucket
        plan = self.plan_function
        plan.grant_object_access(artifacts, ["s3:PutObject"], f"{CONTRACT.REQUESTS_PREFIX}*")
        plan.grant_object_access(self.source_bucket, ["s3:GetObject"], f"{settings.source_prefix}*")
        grant_list(plan, self.source_bucket, settings.source_prefix)
        sweep = self.sweep_function
        grant_list(sweep, self.source_bucket, settings.source_prefix)
        sweep.grant_object_access(artifacts, ["s3:PutObject"], f"{CONTRACT.RUN_RECORDS_PREFIX}*")
        self.registry.grant(sweep.function, "dynamodb:Scan", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
        self.vectors.grant(sweep.role, DELETE_ACTIONS)
        report = self.report_function
        for prefix in (CONTRACT.RUN_RECORDS_PREFIX, CONTRACT.MAP_RESULTS_PREFIX, CONTRACT.REQUESTS_PREFIX):
            report.grant_object_access(artifacts, ["s3:GetObject"], f"{prefix}*")
        report.grant_object_access(artifacts, ["s3:PutObject"], f"{CONTRACT.REPORTS_PREFIX}*")
        grant_list(report, artifacts, CONTRACT.RUN_RECORDS_PREFIX)

    # -- the state machine ----------------------------------------------------------------------

    def _create_workflow(self) -> None:
        settings = self.props.settings
        self.workflow = ObservableStateMachine(
            self,
            "Workflow",
            ObservableStateMachineProps(
                platform=self.props.platform,
                definition=self._run_definition(settings),
                alarm_topic=self.props.alarm_topic,
                timeout=Duration.hours(settings.run_timeout_hours),
                state_machine_type=sfn.StateMachineType.STANDARD,
                comment="RAG ingestion run: plan, one Express child per batch of documents, report, announce",
                task_functions=list(self.functions.values()),
            ),
        )
        self.state_machine = self.workflow.state_machine
        self._grant_state_machine()

    def _run_definition(self, settings: RagSettings) -> sfn.IChainable:
        resources = RunResources(
            settings=settings,
            functions=self.run_functions,
            source_bucket=self.source_bucket,
            artifacts_bucket=self.artifacts_bucket,
            event_bus=self.event_bus,
            batch=self._batch_definition(settings),
        )
        return RunDefinition(self, resources).chain

    def _batch_definition(self, settings: RagSettings) -> sfn.IChainable:
        """The Express child: the document pipeline for each document of its batch."""
        return batch_definition(self, self.props.platform, settings, self.pipeline.definition)

    def _grant_state_machine(self) -> None:
        role = self.workflow.role
        policy = role.node.find_child("DefaultPolicy")
        for pattern in (f"{CONTRACT.RUN_RECORDS_PREFIX}*", f"{CONTRACT.MAP_RESULTS_PREFIX}*"):
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

    # -- uploads ------------------------------------------------------------------------------

    def _create_uploads(self) -> None:
        """Object events -> rule -> queue -> pipe -> one run per batch; failed deliveries dead-lettered."""
        alarm_topic, settings = self.props.alarm_topic, self.props.settings
        self.trigger_dead_letters = dead_letter_queue(
            self,
            "TriggerDeadLetters",
            alarm_topic=alarm_topic,
            description="An Object Created or Object Deleted event could not be queued for ingestion (8 "
            "retries over up to 24 hours); the event is in the trigger dead-letter queue.",
        )
        self.upload_queue = encrypted_queue(
            self,
            "Uploads",
            alarm_topic=alarm_topic,
            alarm=QueueAlarm(
                "Uploaded or deleted objects have waited 15 minutes to be ingested: the upload pipe "
                "cannot start ingestion runs (see the pipe's state and the state machine's throttles).",
                max_age=Duration.minutes(15),
            ),
            visibility_timeout=Duration.seconds(UPLOAD_VISIBILITY_SECONDS),
        )
        self.upload_rule = self._upload_rule(settings)
        self.upload_pipe = self._upload_pipe(settings)

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

    # -- alarms -------------------------------------------------------------------------------

    def _create_alarms(self) -> None:
        alarm_topic = self.props.alarm_topic
        self.sweep_failed_alarm = page_on(
            self,
            "SweepFailedAlarm",
            self.sweep_function.function.metric_errors(period=ALARM_PERIOD),
            topic=alarm_topic,
            description="The run sweep failed: runs carry on, but abandoned versions and documents deleted "
            "from a prefix keep their vectors until a sweep succeeds. See the Sweep function's logs.",
        )
        self.failed_documents_alarm = page_on(
            self,
            "DocumentsFailedAlarm",
            self.report_function.metric(FAILED_DOCUMENTS_METRIC, period=ALARM_PERIOD),
            topic=alarm_topic,
            description="Documents failed to ingest in the last 5 minutes; their previous versions keep "
            "serving. The run report (reports/<runId>/documents.jsonl) names each with its error.",
        )


def grant_list(function: PythonTaskFunction, bucket: s3.IBucket, prefix: str) -> None:
    """Allow ListBucket on one bucket, restricted to keys under `prefix`."""
    function.role.add_to_policy(
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}},
        )
    )
