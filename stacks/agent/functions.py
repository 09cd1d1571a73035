"""The agent's task functions: one per step of the run, one per enabled tool, each with its own role."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from constructs import Construct

from stacks.agent.models import model_spec
from stacks.agent.settings import AgentSettings
from stacks.common import LAMBDA_RETRY, PythonTaskFunction, TaskFunctionFactory
from stacks.common.contracts import handler_contract
from stacks.common.platform import Platform
from stacks.common.tasks import TIMEOUT_MARGIN

contract = handler_contract("agent")
# How many times a plan with an unknown tool or invalid arguments goes back to the model.
PLAN_CORRECTIONS = 1


@dataclass(frozen=True)
class KnowledgeBase:
    """What search_knowledge_base reads of the RAG workflow: its vector index and embedding model."""

    index_arn: str
    embedding_model_id: str
    embedding_dimensions: int


@dataclass(frozen=True)
class OrdersLookup:
    """What lookup_order reads of the order saga: its status table (read-only)."""

    status_table_name: str
    status_table_arn: str


@dataclass(frozen=True)
class FunctionEnvironment:
    """Names of the construct's resources the handlers read from their environment."""

    runs_bucket: str
    requests_table: str
    breakers_table: str
    idempotency_table: str
    event_bus: str
    approval_topic: str
    approval_token_key: str


def _model_environment(settings: AgentSettings) -> dict[str, str]:
    return {
        contract.MODEL_ID_ENV: settings.model_id,
        contract.INFERENCE_CONFIG_ENV: settings.inference.as_json(),
        contract.SYSTEM_PROMPT_ENV: settings.system_prompt,
        contract.PRICES_ENV: model_spec(settings.model_id).prices_json(),
        contract.LIMITS_ENV: settings.limits.as_json(),
        contract.ENABLED_TOOLS_ENV: ",".join(settings.tools),
    }


def _guardrail_environment(settings: AgentSettings) -> dict[str, str]:
    if settings.guardrail is None:
        return {}
    return {
        contract.GUARDRAIL_ID_ENV: settings.guardrail.id,
        contract.GUARDRAIL_VERSION_ENV: settings.guardrail.version,
    }


def _breaker_json(settings: AgentSettings) -> str:
    """The breaker's rules, with a probe's HALF_OPEN claim expiring once its tool call has had every
    attempt (timeout each, LAMBDA_RETRY's attempts and backoff): a lost probe cannot wedge the circuit."""
    attempt = settings.tool_timeout_seconds + TIMEOUT_MARGIN.to_seconds()
    retries = LAMBDA_RETRY.max_attempts
    backoff = LAMBDA_RETRY.interval.to_seconds() * sum(LAMBDA_RETRY.backoff_rate**n for n in range(retries))
    rules = json.loads(settings.circuit_breaker.as_json())
    rules["probeTimeoutSeconds"] = int(attempt * (retries + 1) + backoff)
    return json.dumps(rules, separators=(",", ":"))


FunctionSpec = tuple[str, str, str, Mapping[str, str]]  # construct id, handler, description, environment


def _run_specs(settings: AgentSettings, names: FunctionEnvironment) -> list[FunctionSpec]:
    """The functions from the request to the draft."""
    model = _model_environment(settings)
    requests = {contract.REQUESTS_TABLE_ENV: names.requests_table}
    breakers = {
        contract.BREAKERS_TABLE_ENV: names.breakers_table,
        contract.BREAKER_ENV: _breaker_json(settings),
    }
    return [
        (
            "Validate",
            contract.VALIDATE_HANDLER,
            "Agent: validate a request against the limits and claim its requestId",
            {
                **requests,
                contract.LIMITS_ENV: model[contract.LIMITS_ENV],
                contract.ENABLED_TOOLS_ENV: model[contract.ENABLED_TOOLS_ENV],
            },
        ),
        (
            "Plan",
            contract.PLAN_HANDLER,
            "Agent: ask the model for tool calls and validate them against the tool schemas",
            {**model, **requests, contract.PLAN_CORRECTIONS_ENV: str(PLAN_CORRECTIONS)},
        ),
        ("CheckCircuit", contract.CHECK_CIRCUIT_HANDLER, "Agent: decide call, probe, wait or skip", breakers),
        (
            "RecordToolOutcome",
            contract.RECORD_TOOL_OUTCOME_HANDLER,
            "Agent: count a tool's success or failure in its circuit breaker",
            breakers,
        ),
        (
            "Aggregate",
            contract.AGGREGATE_HANDLER,
            "Agent: answer from the tool results, with citations",
            {**model, **requests, contract.PLAN_CORRECTIONS_ENV: str(PLAN_CORRECTIONS)},
        ),
    ]


def _closing_specs(settings: AgentSettings, names: FunctionEnvironment) -> list[FunctionSpec]:
    """The functions from the draft to the end: approval, publication, the outcome's report."""
    requests = {contract.REQUESTS_TABLE_ENV: names.requests_table}
    return [
        (
            "RequestApproval",
            contract.REQUEST_APPROVAL_HANDLER,
            "Agent: store the approval task token encrypted and notify reviewers",
            {
                **requests,
                contract.APPROVAL_TOKEN_KEY_ENV: names.approval_token_key,
                contract.APPROVAL_TOPIC_ENV: names.approval_topic,
                contract.APPROVAL_TIMEOUT_ENV: str(settings.approval_timeout_seconds),
            },
        ),
        (
            "Publish",
            contract.PUBLISH_HANDLER,
            "Agent: publish the approved answer once per requestId",
            {
                **requests,
                contract.IDEMPOTENCY_TABLE_ENV: names.idempotency_table,
                contract.EVENT_BUS_ENV: names.event_bus,
                contract.IDEMPOTENCY_TTL_ENV: str(settings.idempotency_ttl_seconds),
            },
        ),
        (
            "RecordOutcome",
            contract.RECORD_OUTCOME_HANDLER,
            "Agent: write the run report and the request's final status",
            {**requests, contract.PRICES_ENV: model_spec(settings.model_id).prices_json()},
        ),
    ]


def create_step_functions(
    factory: TaskFunctionFactory, settings: AgentSettings, names: FunctionEnvironment
) -> dict[str, PythonTaskFunction]:
    """Validate, [Guard], Plan, CheckCircuit, RecordToolOutcome, Aggregate, RequestApproval, Publish,
    RecordOutcome: construct id -> function."""
    specs = [*_run_specs(settings, names), *_closing_specs(settings, names)]
    if settings.guardrail is not None:
        specs.insert(
            1,
            ("Guard", contract.GUARD_HANDLER, "Agent: apply the guardrail", _guardrail_environment(settings)),
        )
    return {
        construct_id: factory.create(construct_id, handler, description, environment=environment)
        for construct_id, handler, description, environment in specs
    }


def _tool_environment(
    tool: str,
    settings: AgentSettings,
    knowledge_base: KnowledgeBase | None,
    orders: OrdersLookup | None,
) -> dict[str, str]:
    if tool == "search_knowledge_base" and knowledge_base is not None:
        # QueryVectors takes the index ARN in place of the bucket and index names (the names are not
        # attributes of rag's L1 index, and splitting the imported ARN is opaque to cfn-lint).
        return {
            contract.VECTOR_INDEX_ARN_ENV: knowledge_base.index_arn,
            contract.EMBEDDING_MODEL_ENV: knowledge_base.embedding_model_id,
            contract.EMBEDDING_DIMENSIONS_ENV: str(knowledge_base.embedding_dimensions),
        }
    if tool == "lookup_order" and orders is not None:
        return {contract.ORDERS_TABLE_ENV: orders.status_table_name}
    if tool == "fetch_url":
        return {
            contract.FETCH_ALLOWED_HOSTS_ENV: ",".join(settings.fetch.allowed_hosts),
            contract.FETCH_MAX_BYTES_ENV: str(settings.fetch.max_bytes),
            contract.FETCH_TIMEOUT_ENV: str(settings.fetch.timeout_seconds),
        }
    return {}


def create_tool_functions(
    scope: Construct,
    platform: Platform,
    settings: AgentSettings,
    runs_bucket: str,
    knowledge_base: KnowledgeBase | None,
    orders: OrdersLookup | None,
) -> dict[str, PythonTaskFunction]:
    """One function per enabled tool (tool name -> function), each under `Tools/`."""
    factory = TaskFunctionFactory(
        Construct(scope, "Tools"),
        platform,
        "agent",
        service="agent",
        timeout_seconds=settings.tool_timeout_seconds,
        common_environment={contract.RUNS_BUCKET_ENV: runs_bucket},
    )
    return {
        tool: factory.create(
            "".join(part.title() for part in tool.split("_")),
            contract.TOOL_HANDLERS[tool],
            f"Agent tool {tool}",
            environment=_tool_environment(tool, settings, knowledge_base, orders),
        )
        for tool in settings.tools
    }
