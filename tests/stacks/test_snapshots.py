"""Snapshot of every stack's synthesized template per environment (asset hashes normalized).

Update after an intended change with `make snapshots` and review the diff like code.
"""

import pytest
from aws_cdk.assertions import Template
from syrupy.extensions.json import JSONSnapshotExtension

from stacks.application import WORKFLOW_STACKS
from tests.support.probe import probe_stack
from tests.support.synth import normalized, template_of

ENVIRONMENTS = ("dev", "staging", "prod")


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("workflow", sorted(WORKFLOW_STACKS))
@pytest.mark.parametrize("env_name", ENVIRONMENTS)
def test_workflow_template(env_name, workflow, snapshot_json):
    assert normalized(template_of(env_name, workflow)) == snapshot_json


def test_probe_template(snapshot_json):
    assert normalized(Template.from_stack(probe_stack()).to_json()) == snapshot_json
