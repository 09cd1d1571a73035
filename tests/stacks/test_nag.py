"""cdk-nag: zero unacknowledged findings everywhere, and no acknowledgement that could be removed."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from stacks.application import WORKFLOW_STACKS, build, compose, project_context
from stacks.common import nag
from stacks.config import load_environment
from tests.support.environments import complete_environments, environment_names
from tests.support.probe_stack import ProbeStack
from tests.support.synth import app_stacks, fresh_app

ENVIRONMENTS = environment_names()
FACTORIES = {**WORKFLOW_STACKS, "probe": ProbeStack}


@dataclass(frozen=True)
class Recorded:
    path: str
    finding: str
    reason: str


class _ValidationsSpy:
    """Stands in for `aws_cdk.Validations` in stacks.common.nag: records acknowledgements, optionally
    without applying them."""

    def __init__(self, real: type, apply: bool) -> None:
        self.real, self.apply, self.recorded = real, apply, []
        self._scope = None

    def of(self, scope):
        self._scope = scope
        return self

    def acknowledge(self, acknowledgment) -> None:
        self.recorded.append(Recorded(self._scope.node.path, acknowledgment.id, acknowledgment.reason))
        if self.apply:
            self.real.of(self._scope).acknowledge(acknowledgment)

    def add_plugins(self, *plugins) -> None:
        self.real.of(self._scope).add_plugins(*plugins)


def _single_stack(workflow: str) -> tuple[App, Stack]:
    app = fresh_app()
    config = load_environment(project_context()["environments"], "dev")
    if workflow in WORKFLOW_STACKS:
        # With the workflows it composes with (the agent's tools read rag's index and orders' table).
        return app, compose(app, config, [workflow])[workflow]
    stack = FACTORIES[workflow](app, config)
    nag.enable_nag(app)
    return app, stack


def _violations(error: RuntimeError) -> set[tuple[str, str]]:
    """(rule id with finding, construct path) of every violation in cdk-nag's validation report."""
    report_path = re.search(r"found in: (\S+validation-report\.json)", str(error))
    assert report_path, f"no validation report in: {error}"
    report = json.loads(Path(report_path.group(1)).read_text())
    return {
        (violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    }


@pytest.mark.parametrize("env_name", ENVIRONMENTS)
def test_every_workflow_stack_has_no_unacknowledged_findings(env_name):
    for stack in app_stacks(env_name).values():
        Template.from_stack(stack)


def test_an_environment_pinned_to_an_account_and_region_has_no_unacknowledged_findings():
    """Pinned stacks spell ARNs with literal partition, region and account: acknowledgements must follow."""
    _, stacks = build(fresh_app(environments=complete_environments()), "prod")
    assert list(stacks) == sorted(WORKFLOW_STACKS)
    for stack in stacks.values():
        Template.from_stack(stack)


def test_the_probe_stack_has_no_unacknowledged_findings():
    _, stack = _single_stack("probe")
    Template.from_stack(stack)


@pytest.mark.parametrize("workflow", sorted(FACTORIES))
def test_every_acknowledgement_is_needed_and_reasoned(workflow, monkeypatch):
    """Synthesize with every acknowledgement withheld: each one must match a reported finding."""
    spy = _ValidationsSpy(nag.Validations, apply=False)
    monkeypatch.setattr(nag, "Validations", spy)
    _, stack = _single_stack(workflow)
    assert spy.recorded, f"{workflow} makes no acknowledgement at all"
    with pytest.raises(RuntimeError, match="ValidationFailed") as raised:
        Template.from_stack(stack)
    violations = _violations(raised.value)
    for entry in spy.recorded:
        assert len(entry.reason) > 20, f"{entry.finding} at {entry.path} has no real reason"
        covered = [
            path
            for rule, path in violations
            if rule == entry.finding and (path == entry.path or path.startswith(entry.path + "/"))
        ]
        assert covered, f"acknowledgement {entry.finding} at {entry.path} suppresses nothing: remove it"


@pytest.mark.parametrize("role", ["task function", "state machine"])
def test_a_new_wildcard_grant_on_a_shared_role_reaches_cdk_nag(role):
    """X-Ray and log delivery wildcards are acknowledged on their own policies only: any other
    `Resource: "*"` statement a role gains is reported."""
    from aws_cdk import aws_iam as iam

    _, stack = _single_stack("probe")
    target = stack.echo.role if role == "task function" else stack.workflow.role
    target.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"]))
    with pytest.raises(RuntimeError) as raised:
        Template.from_stack(stack)
    wildcard = {path for rule, path in _violations(raised.value) if rule == "AwsSolutions-IAM5[Resource::*]"}
    assert wildcard and all(path.endswith("/DefaultPolicy/Resource") for path in wildcard), wildcard
