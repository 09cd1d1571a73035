"""Snapshot of every stack's synthesized template per environment (asset hashes normalized).

Update after an intended change with `make snapshots` and review the diff like code. Every
environment in cdk.json is covered; one added without snapshots yet (e.g. `qa`) is skipped, saying
so, until `make snapshots` writes them (synth, cdk-nag and readiness cover it meanwhile).
"""

from pathlib import Path

import pytest
from aws_cdk.assertions import Template
from syrupy.extensions.json import JSONSnapshotExtension

from stacks.application import WORKFLOW_STACKS
from tests.support.environments import environment_names
from tests.support.probe import probe_stack
from tests.support.synth import normalized, template_of

SNAPSHOTS = Path(__file__).parent / "__snapshots__" / Path(__file__).stem
CELLS = [(env_name, workflow) for env_name in environment_names() for workflow in sorted(WORKFLOW_STACKS)]


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def has_snapshot(env_name: str, workflow: str) -> bool:
    return (SNAPSHOTS / f"test_workflow_template[{env_name}-{workflow}].json").is_file()


@pytest.mark.parametrize(
    ("env_name", "workflow"),
    [cell for cell in CELLS if cell[0] in environment_names(cell[1])],
)
def test_workflow_template(env_name, workflow, snapshot_json, request):
    if not has_snapshot(env_name, workflow) and not request.config.option.update_snapshots:
        pytest.skip(f"no snapshot of {env_name}-{workflow} yet: run `make snapshots` and commit it")
    assert normalized(template_of(env_name, workflow)) == snapshot_json


def test_probe_template(snapshot_json):
    assert normalized(Template.from_stack(probe_stack()).to_json()) == snapshot_json
