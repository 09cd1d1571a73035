"""`AgentWorkflow`: the agent workflow as a reusable construct (resources, task functions, state machine).

Validate -> [GuardTask] -> Plan -> ToolCalls (Map: CheckCircuit -> tool | Wait | skip -> breaker
record) -> Aggregate -> (more tools: ToolCalls again) -> [GuardDraft] -> RequestApproval
(.waitForTaskToken) -> Publish, or Revise, or a named outcome through RecordOutcome. Conversations,
tool results, drafts, reports and answers live in `runs_bucket` (versioned); `requests_table` holds
one item per requestId (status, usage, the encrypted approval token), `breakers_table` one circuit
per tool. Answers are announced as `AnswerPublished` on `event_bus` (the account's default bus
unless the props name one: consumers subscribe with their own rules, and PutEvents is allowed on
that one bus for the `stepwise.agent` source only).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.agent.definition import BUSINESS_OUTCOMES, AgentDefinition, AgentResources
from stacks.agent.functions import (
    FunctionEnvironment,
    KnowledgeBase,
    OrdersLookup,
    create_step_functions,
    create_tool_functions,
)
from stacks.agent.models import foundation_model_id, is_inference_profile
from stacks.agent.settings import AgentSettings
from stacks.common import (
    ObservableStateMachine,
    ObservableStateMachineProps,
    PythonTaskFunction,
    TaskFunctionFactory,
    acknowledge,
    encrypted_topic,
    rotating_key,
    secure_bucket,
    secure_table,
)
from stacks.common.contracts import handler_contract
from stacks.common.deciders import DeciderSpec, token_decider
from stacks.common.nag import arn_token
from stacks.common.platform import Platform
from stacks.settings import ConfigError

__all__ = ["AgentWorkflow", "AgentWorkflowProps", "KnowledgeBase", "OrdersLookup"]

contract = handler_contract("agent")
# What the approval tool writes on a Requests item: the decision and who made it.
APPROVAL_ATTRIBUTES = (
    contract.REQUESTS_KEY,
    "approvalTokenCiphertext",
    "approvalDecision",
    "approvalReviewer",
    "approvalFeedback",
    "approvalDecidedAt",
)
WORKFLOW_NAME = "Agent"
IDEMPOTENCY_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]


@dataclass(frozen=True)
class AgentWorkflowProps:
    """What a stack passes to build the agent.

    `knowledge_base` (the RAG workflow's index) is required when `search_knowledge_base` is enabled,
    `orders` (the saga's status table) when `lookup_order` is; `event_bus` defaults to the account's
    default bus.
    """

    platform: Platform
    settings: AgentSettings
    alarm_topic: sns.ITopic
    knowledge_base: KnowledgeBase | None = None
    orders: OrdersLookup | None = None
    event_bus: events.IEventBus | None = None


class AgentWorkflow(Construct):
    """The agent: tables, runs bucket, approval topic and key, task functions and state machine."""

    requests_table: dynamodb.TableV2
    breakers_table: dynamodb.TableV2
    idempotency_table: dynamodb.TableV2
    runs_bucket: s3.Bucket
    event_bus: events.IEventBus
    topic_key: kms.Key
    approval_topic: sns.Topic
    approver_role: iam.Role
    approval_token_key: kms.Key
    functions: dict[str, PythonTaskFunction]
    tool_functions: dict[str, PythonTaskFunction]
    workflow: ObservableStateMachine

    def __init__(self, scope: Construct, construct_id: str, props: AgentWorkflowProps) -> None:
        super().__init__(scope, construct_id)
        self.props = props
        self._check_tool_sources()
        self._create_storage()
        self._create_messaging()
        self._create_approvers()
        self._create_functions()
        self.definition = AgentDefinition(
            self, "Graph", AgentResources(self.settings, self.functions, self.tool_functions)
        )
        self.workflow = ObservableStateMachine(
            self,
            "Workflow",
            ObservableStateMachineProps(
                platform=props.platform,
                definition=self.definition.chain,
                alarm_topic=props.alarm_topic,
                timeout=self.execution_timeout,
                state_machine_type=sfn.StateMachineType.STANDARD,
                comment="Agent: plan, parallel tool calls behind circuit breakers, aggregate, human "
                "approval, publish; bounded rounds, tokens and cost",
                task_functions=[*self.functions.values(), *self.tool_functions.values()],
                expected_errors=BUSINESS_OUTCOMES,
                state_machine_name=f"Stepwise-{props.platform.name}-{WORKFLOW_NAME}",
            ),
        )

    @property
    def settings(self) -> AgentSettings:
        return self.props.settings

    @property
    def state_machine(self) -> sfn.StateMachine:
        return self.workflow.state_machine

    @property
    def execution_timeout(self) -> Duration:
        """Every approval wait a run may go through (one per revision) plus an hour for the rest."""
        waits = self.settings.limits.max_revisions + 1
        return Duration.seconds(self.settings.approval_timeout_seconds * waits + 3600)

    def _check_tool_sources(self) -> None:
        sources = {"search_knowledge_base": self.props.knowledge_base, "lookup_order": self.props.orders}
        for tool, workflow in self.settings.required_workflows().items():
            if sources[tool] is None:
                raise ConfigError(
                    f"agent.tools: {tool} is enabled but no {workflow} workflow is composed with the agent "
                    f"(AgentWorkflowProps.{'knowledge_base' if workflow == 'rag' else 'orders'} is None)"
                )

    # ---- resources ------------------------------------------------------------------------------

    def _create_storage(self) -> None:
        platform = self.props.platform
        string = dynamodb.AttributeType.STRING
        self.requests_table = secure_table(
            self,
            "Requests",
            platform,
            partition_key=dynamodb.Attribute(name=contract.REQUESTS_KEY, type=string),
        )
        self.breakers_table = secure_table(
            self,
            "Breakers",
            platform,
            partition_key=dynamodb.Attribute(name=contract.BREAKERS_KEY, type=string),
        )
        self.idempotency_table = secure_table(
            self,
            "Idempotency",
            platform,
            partition_key=dynamodb.Attribute(name="id", type=string),
            time_to_live_attribute="expiration",
        )
        self.runs_bucket = secure_bucket(self, "Runs", platform, versioned=True)

    def _create_messaging(self) -> None:
        platform = self.props.platform
        self.event_bus = self.props.event_bus or events.EventBus.from_event_bus_name(
            self, "DefaultBus", "default"
        )
        self.topic_key = rotating_key(self, "TopicKey", platform, "Encrypts the agent's approval topic")
        self.approval_topic = encrypted_topic(
            self,
            "ApprovalRequests",
            self.topic_key,
            f"Stepwise agent approvals ({platform.name})",
            subscriber_email=self.settings.approver_email,
        )

    def _create_approvers(self) -> None:
        """The approver role (the only one that can decrypt a task token and decide a draft) and its key;
        the role may also read the drafts it decides on."""
        self.approver_role, self.approval_token_key = token_decider(
            self,
            DeciderSpec(
                role_id="Approver",
                key_id="ApprovalTokenKey",
                sid="OnlyApproversDecrypt",
                principals=self.settings.approver_principals,
                role_description="Decides agent answers with scripts.agent.approval",
                key_description="Encrypts the agent's approval task tokens",
                attributes=APPROVAL_ATTRIBUTES,
                answers="approval requests",
                context_keys=(contract.REQUESTS_KEY, "executionId"),
                holders="the agent's approver role",
            ),
            self.props.platform,
            self.requests_table,
        )
        drafts = f"{contract.DRAFTS_PREFIX}*"
        self.approver_role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"], resources=[self.runs_bucket.arn_for_objects(drafts)]
            )
        )
        acknowledge(
            self.approver_role.node.find_child("DefaultPolicy"),
            f"AwsSolutions-IAM5[Resource::{arn_token(self.runs_bucket)}/{drafts}]",
            "Reviewers read the drafts they decide on: s3:GetObject needs an object ARN pattern, limited "
            "to the drafts prefix of this one bucket.",
        )

    # ---- functions and their permissions ----------------------------------------------------------

    def _create_functions(self) -> None:
        factory = TaskFunctionFactory(
            Construct(self, "Steps"),
            self.props.platform,
            "agent",
            timeout_seconds=self.settings.task_timeout_seconds,
            common_environment={contract.RUNS_BUCKET_ENV: self.runs_bucket.bucket_name},
        )
        names = FunctionEnvironment(
            runs_bucket=self.runs_bucket.bucket_name,
            requests_table=self.requests_table.table_name,
            breakers_table=self.breakers_table.table_name,
            idempotency_table=self.idempotency_table.table_name,
            event_bus=self.event_bus.event_bus_name,
            approval_topic=self.approval_topic.topic_arn,
            approval_token_key=self.approval_token_key.key_arn,
        )
        self.functions = create_step_functions(factory, self.settings, names)
        self.tool_functions = create_tool_functions(
            self,
            self.props.platform,
            self.settings,
            self.runs_bucket.bucket_name,
            self.props.knowledge_base,
            self.props.orders,
        )
        self._grant_steps()
        self._grant_model()
        self._grant_tools()

    def _objects(self, function: PythonTaskFunction, actions: list[str], *prefixes: str) -> None:
        for prefix in prefixes:
            function.grant_object_access(self.runs_bucket, actions, f"{prefix}*")

    def _table(self, function: PythonTaskFunction, table: dynamodb.ITableV2, *actions: str) -> None:
        function.role.add_to_policy(iam.PolicyStatement(actions=list(actions), resources=[table.table_arn]))

    def _grant_steps(self) -> None:
        f = self.functions
        get, put = ["s3:GetObject"], ["s3:PutObject"]
        self._table(f["Validate"], self.requests_table, "dynamodb:GetItem", "dynamodb:PutItem")
        for name in ("Plan", "Aggregate"):
            self._objects(f[name], [*get, *put], contract.CONVERSATIONS_PREFIX)
            self._table(f[name], self.requests_table, "dynamodb:UpdateItem")
        self._objects(f["Aggregate"], get, contract.TOOL_RESULTS_PREFIX)
        self._objects(f["Aggregate"], put, contract.DRAFTS_PREFIX)
        for name in ("CheckCircuit", "RecordToolOutcome"):
            self._table(
                f[name], self.breakers_table, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"
            )
        approval = f["RequestApproval"]
        self._table(approval, self.requests_table, "dynamodb:UpdateItem")
        approval.role.add_to_policy(
            iam.PolicyStatement(actions=["kms:Encrypt"], resources=[self.approval_token_key.key_arn])
        )
        self.approval_topic.grant_publish(approval.role)
        acknowledge(
            approval.role.node.find_child("DefaultPolicy"),
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            "Publishing to the KMS-encrypted approval topic needs GenerateDataKey* on its one key.",
        )
        publish = f["Publish"]
        self._table(publish, self.requests_table, "dynamodb:GetItem", "dynamodb:UpdateItem")
        self._table(publish, self.idempotency_table, *IDEMPOTENCY_ACTIONS)
        self._objects(publish, get, contract.DRAFTS_PREFIX)
        self._objects(publish, [*get, *put], contract.ANSWERS_PREFIX, contract.REPORTS_PREFIX)
        publish.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[self.runs_bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{contract.ANSWERS_PREFIX}*"]}},
            )
        )
        publish.role.add_to_policy(
            iam.PolicyStatement(
                actions=["events:PutEvents"],
                resources=[self.event_bus.event_bus_arn],
                conditions={"StringEquals": {"events:source": [contract.EVENT_SOURCE]}},
            )
        )
        record = f["RecordOutcome"]
        self._table(record, self.requests_table, "dynamodb:GetItem", "dynamodb:UpdateItem")
        self._objects(record, put, contract.REPORTS_PREFIX)
        if "Guard" in f:
            guardrail = self.settings.guardrail
            assert guardrail is not None
            f["Guard"].role.add_to_policy(
                iam.PolicyStatement(
                    actions=["bedrock:ApplyGuardrail"],
                    resources=[
                        Stack.of(self).format_arn(
                            service="bedrock", resource="guardrail", resource_name=guardrail.id
                        )
                    ],
                )
            )
            self._objects(f["Guard"], get, contract.DRAFTS_PREFIX)

    def _grant_model(self) -> None:
        """Converse is authorized as bedrock:InvokeModel, on the configured model only: its foundation
        model ARN, or the inference profile and the model in the profile's regions, through it only."""
        model_id = self.settings.model_id
        for function in (self.functions["Plan"], self.functions["Aggregate"]):
            for statement in self._model_statements(model_id):
                function.role.add_to_policy(statement)
            if is_inference_profile(model_id):
                acknowledge(
                    function.role.node.find_child("DefaultPolicy"),
                    f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/"
                    f"{foundation_model_id(model_id)}]",
                    "A cross-region inference profile routes to its model in any of its regions; the "
                    "statement allows that one model, and only through the configured profile "
                    "(bedrock:InferenceProfileArn condition).",
                )

    def _model_statements(self, model_id: str) -> list[iam.PolicyStatement]:
        stack = Stack.of(self)
        profile = is_inference_profile(model_id)
        model_arn = stack.format_arn(
            service="bedrock",
            resource="foundation-model",
            resource_name=foundation_model_id(model_id),
            account="",
            region="*" if profile else None,
        )
        if not profile:
            return [iam.PolicyStatement(actions=["bedrock:InvokeModel"], resources=[model_arn])]
        profile_arn = stack.format_arn(
            service="bedrock", resource="inference-profile", resource_name=model_id
        )
        return [
            iam.PolicyStatement(actions=["bedrock:InvokeModel"], resources=[profile_arn]),
            iam.PolicyStatement(
                actions=["bedrock:InvokeModel"],
                resources=[model_arn],
                conditions={"StringEquals": {"bedrock:InferenceProfileArn": profile_arn}},
            ),
        ]

    def _grant_tools(self) -> None:
        for name, function in self.tool_functions.items():
            self._objects(function, ["s3:PutObject"], contract.TOOL_RESULTS_PREFIX)
            if name == "search_knowledge_base":
                self._grant_knowledge_base(function)
            elif name == "lookup_order":
                orders = self.props.orders
                assert orders is not None
                function.role.add_to_policy(
                    iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[orders.status_table_arn])
                )

    def _grant_knowledge_base(self, function: PythonTaskFunction) -> None:
        knowledge_base = self.props.knowledge_base
        assert knowledge_base is not None
        function.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3vectors:QueryVectors", "s3vectors:GetVectors"],
                resources=[knowledge_base.index_arn],
            )
        )
        function.role.add_to_policy(
            iam.PolicyStatement(
                actions=["bedrock:InvokeModel"],
                resources=[
                    Stack.of(self).format_arn(
                        service="bedrock",
                        resource="foundation-model",
                        resource_name=knowledge_base.embedding_model_id,
                        account="",
                    )
                ],
            )
        )
