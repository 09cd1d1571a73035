"""Composition: an environment synthesizes only its workflows; a pinned account is a deploy target."""

from __future__ import annotations

import json
import re

import pytest
from aws_cdk import Stack

from stacks.application import WORKFLOW_STACKS, build, resolve_workflows, stack_names
from stacks.config import WORKFLOW_KEYS, ConfigError, load_environment
from tests.support.environments import (
    ACCOUNT,
    COMPLETE_SETTINGS,
    REGION,
    shipped_environments,
    with_environment,
)
from tests.support.synth import fresh_app

PROD = load_environment(shipped_environments(), "prod")


def synthesized_stacks(app) -> list[str]:
    return [child.node.id for child in app.node.children if isinstance(child, Stack)]


def test_the_registry_covers_every_workflow_section():
    assert tuple(WORKFLOW_STACKS) == WORKFLOW_KEYS


def test_stack_names_need_no_synth():
    assert stack_names(PROD, PROD.workflows) == [
        "Stepwise-prod-Agent",
        "Stepwise-prod-CvSafety",
        "Stepwise-prod-Orders",
        "Stepwise-prod-Rag",
        "Stepwise-prod-Tenants",
    ]


def test_workflows_are_named_by_key_stack_suffix_or_stack_name_in_any_case():
    names = ["tenants", "Stepwise-prod-Rag", "ORDERS", "cvsafety", "Orders", "agent"]
    assert resolve_workflows(PROD, names) == WORKFLOW_KEYS


def test_unknown_workflow_names_are_refused_together():
    with pytest.raises(ConfigError) as raised:
        resolve_workflows(PROD, ["Orders", "Billing", "Stepwise-dev-Rag"])
    assert str(raised.value) == (
        "unknown workflow 'Billing', 'Stepwise-dev-Rag': allowed values are agent (Agent), "
        "cv (CvSafety), orders (Orders), rag (Rag), tenants (Tenants) (a workflow key or its stack name)"
    )


def test_left_out_workflows_are_not_synthesized():
    app = fresh_app(environments=with_environment("staging", workflows=["orders"]))
    config, stacks = build(app, "staging")
    assert config.workflows == ("orders",)
    assert list(stacks) == ["orders"]
    assert synthesized_stacks(app) == ["Stepwise-staging-Orders"]


def test_context_narrows_the_environments_workflows():
    app = fresh_app(workflows="Orders")
    _, stacks = build(app, "dev")
    assert list(stacks) == ["orders"]
    assert synthesized_stacks(app) == ["Stepwise-dev-Orders"]


def test_context_cannot_add_a_workflow_the_environment_leaves_out():
    environments = with_environment("staging", workflows=["orders"])
    app = fresh_app(environments=environments, workflows="orders,tenants")
    with pytest.raises(ConfigError, match=r"^environments\.staging\.workflows does not list tenants: "):
        build(app, "staging")
    assert synthesized_stacks(app) == []


def test_a_pinned_account_outside_a_sandbox_stops_synth_naming_every_key():
    app = fresh_app(environments=with_environment("prod", account=ACCOUNT))
    with pytest.raises(ConfigError) as raised:
        build(app, "prod")
    named = [line.split(":", 1)[0].strip() for line in str(raised.value).splitlines()[1:]]
    assert named[:2] == ["region", "alarmEmail"]
    assert "tenants.allowedOuIds" in named
    assert synthesized_stacks(app) == []


def test_a_pinned_sandbox_synthesizes_with_placeholders():
    app = fresh_app(environments=with_environment("dev", account=ACCOUNT, workflows=["orders"]))
    _, stacks = build(app, "dev")
    assert list(stacks) == ["orders"]


def test_a_pinned_account_checks_only_the_workflows_synthesized():
    ready_for_orders = {key: COMPLETE_SETTINGS[key] for key in ("account", "region", "alarmEmail", "orders")}
    environments = with_environment("prod", **ready_for_orders)
    with pytest.raises(ConfigError, match=r"cv\.labeling\.workteamArn"):
        build(fresh_app(environments=environments), "prod")
    _, stacks = build(fresh_app(environments=environments, workflows="orders"), "prod")
    assert stacks["orders"].account == ACCOUNT
    assert stacks["orders"].region == REGION


def test_environments_file_replaces_cdk_json(tmp_path):
    path = tmp_path / "environments.json"
    path.write_text(json.dumps({"qa": {"sandbox": True, "workflows": ["orders"]}}))
    config, stacks = build(fresh_app(environmentsFile=str(path), env="qa"))
    assert config.name == "qa"
    assert list(stacks) == ["orders"]


@pytest.mark.parametrize("content", [None, "{not json", "[]"])
def test_a_bad_environments_file_is_named(tmp_path, content):
    path = tmp_path / "environments.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=re.escape(f"environments file '{path}': ")):
        build(fresh_app(environmentsFile=str(path)), "dev")
