"""README "Add an environment" holds: an environment added to cdk.json is covered by the tests
(synth, cdk-nag, readiness) without editing a test, and the README's own `qa` example deploys."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks import application
from stacks.application import PROJECT_ROOT, WORKFLOW_STACKS, build, project_context
from stacks.config import ConfigError, load_environment
from stacks.readiness import ensure_deployable
from tests.support.environments import SHIPPED_PROD_PROBLEMS, environment_names
from tests.support.synth import fresh_app

SHIPPED = tuple(json.loads(application.CDK_JSON.read_text())["context"]["environments"])


def readme_example() -> dict[str, Any]:
    """The `"qa": {...}` entry the README's "Add an environment" section shows."""
    section = (PROJECT_ROOT / "README.md").read_text().split("### Add an environment", 1)[1]
    block = re.search(r"```json\n(.*?)```", section, flags=re.S)
    assert block, "README's Add an environment section has no json example"
    entry: dict[str, Any] = json.loads("{" + block.group(1) + "}")
    return entry["qa"]


def with_qa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qa: dict[str, Any]) -> None:
    """Make the project's cdk.json a temporary copy with `qa` added, as a team would edit it."""
    cdk = json.loads(application.CDK_JSON.read_text())
    cdk["context"]["environments"]["qa"] = qa
    path = tmp_path / "cdk.json"
    path.write_text(json.dumps(cdk, indent=2))
    monkeypatch.setattr(application, "CDK_JSON", path)


@pytest.fixture
def qa_from_prod(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with_qa(tmp_path, monkeypatch, copy.deepcopy(project_context()["environments"]["prod"]))


def test_the_tests_take_the_environments_from_cdk_json(qa_from_prod: None) -> None:
    assert environment_names() == tuple(dict.fromkeys((*SHIPPED, "qa")))
    assert all(environment_names(workflow)[-1] == "qa" for workflow in WORKFLOW_STACKS)


def test_a_copied_environment_synthesizes_with_no_unacknowledged_finding(qa_from_prod: None) -> None:
    _, stacks = build(fresh_app(), "qa")
    assert sorted(stacks) == sorted(WORKFLOW_STACKS)
    for stack in stacks.values():
        assert stack.stack_name.startswith("Stepwise-qa-")
        Template.from_stack(stack)  # cdk-nag runs at synth: an unacknowledged finding raises here


def test_a_copied_environment_is_refused_until_its_readiness_keys_are_set(qa_from_prod: None) -> None:
    config = load_environment(project_context()["environments"], "qa")
    assert [problem.key for problem in config.readiness_problems()] == SHIPPED_PROD_PROBLEMS
    with pytest.raises(ConfigError, match="environment 'qa' is not a sandbox"):
        ensure_deployable(config)


def test_the_readme_example_is_ready_and_synthesizes_only_its_workflows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = readme_example()
    with_qa(tmp_path, monkeypatch, example)
    config = load_environment(project_context()["environments"], "qa")
    ensure_deployable(config)
    _, stacks = build(fresh_app(), "qa")  # pinned to an account: synth itself enforces readiness
    assert sorted(stacks) == sorted(example["workflows"])
    for stack in stacks.values():
        assert (stack.account, stack.region) == (example["account"], example["region"])
        Template.from_stack(stack)
