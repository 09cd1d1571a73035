"""Composition root: which workflow stacks an environment gets, built from validated config."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App, Stack

from stacks.agent.construct import KnowledgeBase, OrdersLookup
from stacks.agent.stack import AgentStack
from stacks.common.nag import enable_nag
from stacks.common.workflow_stack import WorkflowStack, stack_name
from stacks.config import (
    DEFAULT_ENVIRONMENT,
    WORKFLOW_KEYS,
    ConfigError,
    EnvironmentConfig,
    load_environment,
)
from stacks.cv.stack import CvSafetyStack
from stacks.orders.stack import OrdersStack
from stacks.rag.stack import RagIngestionStack
from stacks.readiness import ensure_deployable
from stacks.tenants.stack import TenantProvisioningStack

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CDK_JSON = PROJECT_ROOT / "cdk.json"
# `-c workflows=orders,rag`: synthesize only these of the environment's workflows (keys or stack names).
WORKFLOWS_CONTEXT = "workflows"
# `-c environmentsFile=PATH`: read the environments from this JSON file instead of cdk.json's context.
ENVIRONMENTS_FILE_CONTEXT = "environmentsFile"

# One entry per workflow (keys as in `stacks.config.WORKFLOW_KEYS`): its stack class `(scope, config)`.
WORKFLOW_STACKS: dict[str, type[WorkflowStack]] = {
    "agent": AgentStack,
    "cv": CvSafetyStack,
    "orders": OrdersStack,
    "rag": RagIngestionStack,
    "tenants": TenantProvisioningStack,
}
if tuple(WORKFLOW_STACKS) != WORKFLOW_KEYS:
    raise RuntimeError("WORKFLOW_STACKS and stacks.config.WORKFLOW_KEYS must list the same workflows")


def project_context() -> dict[str, Any]:
    """The `context` block of cdk.json, for apps created outside the CDK CLI (tests, localrun)."""
    return dict(json.loads(CDK_JSON.read_text())["context"])


def read_environments(path: Path) -> dict[str, Any]:
    """An environments file: a JSON object shaped like cdk.json's `context.environments`."""
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ConfigError(f"environments file {str(path)!r}: cannot be read as JSON ({error})") from None
    if not isinstance(value, dict):
        raise ConfigError(f"environments file {str(path)!r}: must hold a JSON object of environments")
    return value


def environment_name(app: App) -> str:
    value = app.node.try_get_context("env")
    return str(value) if value else DEFAULT_ENVIRONMENT


def app_environments(app: App) -> Mapping[str, Any] | None:
    """The environments the app reads: `-c environmentsFile=...`, else the `environments` context."""
    path = app.node.try_get_context(ENVIRONMENTS_FILE_CONTEXT)
    if path:
        return read_environments(Path(str(path)))
    environments: Mapping[str, Any] | None = app.node.try_get_context("environments")
    return project_context()["environments"] if environments is None else environments


def stack_names(config: EnvironmentConfig, workflows: Iterable[str]) -> list[str]:
    """`Stepwise-<env>-<Workflow>` of each workflow key, without synthesizing anything."""
    return [stack_name(config.name, WORKFLOW_STACKS[key].WORKFLOW_NAME) for key in workflows]


def resolve_workflows(config: EnvironmentConfig, names: Iterable[str]) -> tuple[str, ...]:
    """Workflow keys for names given as keys (`orders`), stack suffixes (`Orders`) or stack names
    (`Stepwise-prod-Orders`), any case; refuses unknown names and workflows the environment leaves out."""
    aliases = {}
    for key in WORKFLOW_KEYS:
        for alias in (key, WORKFLOW_STACKS[key].WORKFLOW_NAME, *stack_names(config, [key])):
            aliases[alias.lower()] = key
    names = list(names)
    unknown = [name for name in names if name.lower() not in aliases]
    if unknown:
        allowed = ", ".join(f"{key} ({WORKFLOW_STACKS[key].WORKFLOW_NAME})" for key in WORKFLOW_KEYS)
        raise ConfigError(
            f"unknown workflow {', '.join(map(repr, unknown))}: allowed values are {allowed} "
            "(a workflow key or its stack name)"
        )
    chosen = {aliases[name.lower()] for name in names}
    left_out = [key for key in WORKFLOW_KEYS if key in chosen and key not in config.workflows]
    if left_out:
        raise ConfigError(
            f"environments.{config.name}.workflows does not list {', '.join(left_out)}: environment "
            f"'{config.name}' deploys {', '.join(config.workflows)}"
        )
    return tuple(key for key in WORKFLOW_KEYS if key in chosen)


def selected_workflows(app: App, config: EnvironmentConfig) -> tuple[str, ...]:
    """The environment's workflows, narrowed by `-c workflows=...` when given."""
    value = app.node.try_get_context(WORKFLOWS_CONTEXT)
    names = value.replace(",", " ").split() if isinstance(value, str) else list(value or ())
    return resolve_workflows(config, names) if names else config.workflows


def with_dependencies(config: EnvironmentConfig, workflows: Iterable[str]) -> tuple[str, ...]:
    """`workflows` plus the workflows they compose with through props (the agent's enabled tools read
    rag's vector index and the order saga's status table): CDK needs both stacks in one app."""
    chosen = set(workflows)
    if "agent" in chosen:
        chosen |= set(config.agent.required_workflows().values())
    return tuple(key for key in WORKFLOW_KEYS if key in chosen)


def _agent_stack(app: App, config: EnvironmentConfig, stacks: Mapping[str, Stack]) -> AgentStack:
    """The agent, given the rag index and the orders status table its enabled tools read."""
    knowledge_base = orders = None
    rag = stacks.get("rag")
    if isinstance(rag, RagIngestionStack) and "search_knowledge_base" in config.agent.tools:
        knowledge_base = KnowledgeBase(
            index_arn=rag.rag.vectors.index_arn,
            embedding_model_id=config.rag.embedding_model_id,
            embedding_dimensions=config.rag.embedding_dimension,
        )
    saga = stacks.get("orders")
    if isinstance(saga, OrdersStack) and "lookup_order" in config.agent.tools:
        table = saga.orders.status_table
        orders = OrdersLookup(status_table_name=table.table_name, status_table_arn=table.table_arn)
    agent = AgentStack(app, config, knowledge_base=knowledge_base, orders=orders)
    # The references are weak (cdk.json `defaultCrossStackReferences`): they order no deployment, so
    # the stacks whose outputs the agent reads are deployed first by an explicit dependency.
    for source, used in ((rag, knowledge_base), (saga, orders)):
        if source is not None and used is not None:
            agent.add_stack_dependency(source)
    return agent


def compose(app: App, config: EnvironmentConfig, workflows: Iterable[str] | None = None) -> dict[str, Stack]:
    """Instantiate the given workflow stacks (default: the environment's) and the ones they compose
    with, and enable cdk-nag on the app. The agent is built last: it takes the others' resources."""
    chosen = with_dependencies(config, config.workflows if workflows is None else workflows)
    stacks: dict[str, Stack] = {
        key: factory(app, config)
        for key, factory in WORKFLOW_STACKS.items()
        if key in chosen and key != "agent"
    }
    if "agent" in chosen:
        stacks["agent"] = _agent_stack(app, config, stacks)
    enable_nag(app)
    return {key: stacks[key] for key in WORKFLOW_KEYS if key in stacks}


def build(app: App, env_name: str | None = None) -> tuple[EnvironmentConfig, dict[str, Stack]]:
    """Validate the environment and compose its stacks. An environment pinned to an account is a
    deployment target: unless it is a sandbox, a placeholder or permissive setting stops synth."""
    config = load_environment(app_environments(app), env_name or environment_name(app))
    workflows = with_dependencies(config, selected_workflows(app, config))
    if config.account:
        ensure_deployable(config, workflows)
    return config, compose(app, config, workflows)
