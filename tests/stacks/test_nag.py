"""cdk-nag: zero unacknowledged findings everywhere, and no acknowledgement that could be removed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from stacks.application import WORKFLOW_STACKS, project_context
from stacks.common import nag
from stacks.config import load_environment
from tests.support.probe_stack import ProbeStack
from tests.support.synth import app_stacks, fresh_app

ENVIRONMENTS = ("dev", "staging", "prod")
FACTORIES = {**WORKFLOW_STACKS, "probe": ProbeStack}


@dataclass(frozen=True)
class Recorded:
    path: str
    finding: str
    reason: str


class _ValidationsSpy:
    """Stands in for `aws_cdk.Validations` inside stacks.common.nag: records or drops acknowledgements."""

    def __init__(self, real: type, drop: tuple[str, str] | None = None) -> None:
        self.real, self.drop, self.recorded = real, drop, []
        self._scope = None

    def of(self, scope):
        self._scope = scope
        return self

    def acknowledge(self, acknowledgment) -> None:
        entry = Recorded(self._scope.node.path, acknowledgment.id, acknowledgment.reason)
        self.recorded.append(entry)
        if (entry.path, entry.finding) != self.drop:
            self.real.of(self._scope).acknowledge(acknowledgment)

    def add_plugins(self, *plugins) -> None:
        self.real.of(self._scope).add_plugins(*plugins)


def _single_stack(workflow: str) -> tuple[App, Stack]:
    app = fresh_app()
    config = load_environment(project_context()["environments"], "dev")
    stack = FACTORIES[workflow](app, config)
    nag.enable_nag(app)
    return app, stack


def _acknowledgements(workflow: str, monkeypatch: pytest.MonkeyPatch) -> list[Recorded]:
    spy = _ValidationsSpy(nag.Validations)
    monkeypatch.setattr(nag, "Validations", spy)
    _single_stack(workflow)
    return spy.recorded


@pytest.mark.parametrize("env_name", ENVIRONMENTS)
def test_every_workflow_stack_has_no_unacknowledged_findings(env_name):
    for stack in app_stacks(env_name).values():
        Template.from_stack(stack)


def test_the_probe_stack_has_no_unacknowledged_findings():
    _, stack = _single_stack("probe")
    Template.from_stack(stack)


@pytest.mark.parametrize("workflow", sorted(FACTORIES))
def test_every_acknowledgement_is_needed_and_reasoned(workflow, monkeypatch):
    real_validations = nag.Validations
    acknowledgements = _acknowledgements(workflow, monkeypatch)
    assert acknowledgements, f"{workflow} makes no acknowledgement at all"
    for entry in acknowledgements:
        assert len(entry.reason) > 20, f"{entry.finding} at {entry.path} has no real reason"
        spy = _ValidationsSpy(real_validations, drop=(entry.path, entry.finding))
        monkeypatch.setattr(nag, "Validations", spy)
        _, stack = _single_stack(workflow)
        try:
            Template.from_stack(stack)
        except RuntimeError as error:
            assert "ValidationFailed" in str(error)
        else:
            pytest.fail(f"removing {entry.finding} at {entry.path} went unnoticed")
        finally:
            monkeypatch.setattr(nag, "Validations", real_validations)
