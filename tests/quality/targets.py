"""What the quality checks run over: every workflow stack of every environment, plus the probe stack.

Targets are listed from `WORKFLOW_STACKS` and cdk.json without synthesizing (cheap, at collection);
templates come from the session-wide synth caches in `tests.support`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from stacks.application import WORKFLOW_STACKS, project_context
from stacks.config import load_environment
from stacks.execution_logging import ExecutionLogging
from tests.support.synth import definitions_of, template_of

PROBE = "probe"
_LOGICAL_ID_HASH = re.compile(r"[0-9A-F]{8}$")


@dataclass(frozen=True)
class Target:
    """One synthesized template: a workflow stack (or the probe stack) in one environment."""

    env: str
    workflow: str

    @property
    def label(self) -> str:
        return f"{self.env}/{self.workflow}"

    @property
    def region(self) -> str | None:
        return load_environment(project_context()["environments"], self.env).region

    @property
    def execution_logging(self) -> ExecutionLogging:
        return load_environment(project_context()["environments"], self.env).execution_logging

    @property
    def template(self) -> dict[str, Any]:
        return _template(self.env, self.workflow)

    @property
    def definitions(self) -> dict[str, dict[str, Any]]:
        """Each state machine's ASL (tokens resolved), by logical id."""
        return _definitions(self.env, self.workflow)


@dataclass(frozen=True)
class Machine:
    """One state machine of a target: its resource, its resolved definition and a stable name."""

    target: Target
    logical_id: str
    resource: dict[str, Any]
    definition: dict[str, Any]

    @property
    def name(self) -> str:
        """The logical id without CDK's hash suffix: stable across environments and edits elsewhere."""
        return machine_name(self.logical_id)

    @property
    def key(self) -> str:
        """`<workflow>/<machine>`: the prefix of allow-list entries for this machine's states."""
        return f"{self.target.workflow}/{self.name}"


def machine_name(logical_id: str) -> str:
    return _LOGICAL_ID_HASH.sub("", logical_id)


def environments() -> tuple[str, ...]:
    return tuple(project_context()["environments"])


def targets() -> list[Target]:
    """Every workflow each environment deploys, and the probe stack (dev)."""
    found = [
        Target(env, workflow)
        for env in environments()
        for workflow in sorted(WORKFLOW_STACKS)
        if workflow in load_environment(project_context()["environments"], env).workflows
    ]
    return [*found, Target("dev", PROBE)]


def machines(target: Target) -> list[Machine]:
    resources = target.template["Resources"]
    return [
        Machine(target, logical_id, resources[logical_id], definition)
        for logical_id, definition in target.definitions.items()
    ]


@functools.cache
def _template(env: str, workflow: str) -> dict[str, Any]:
    if workflow == PROBE:
        from tests.support.probe import probe_template

        return probe_template().to_json()
    return template_of(env, workflow)


@functools.cache
def _definitions(env: str, workflow: str) -> dict[str, dict[str, Any]]:
    return definitions_of(_template(env, workflow), region=Target(env, workflow).region)
