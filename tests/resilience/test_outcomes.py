"""The reviewed lists in `outcomes.py` stay true to the app: every workflow has a policy, a harness
and its happy-path samples; every Task's service has a known throttling error; no stale entries."""

from __future__ import annotations

import pytest

from localrun.samples import discover
from stacks.application import WORKFLOW_STACKS
from tests.resilience.matrix import KINDS, cells, machines
from tests.resilience.outcomes import LOCALRUN_GAPS, POLICIES, TOLERATED, ambiguous_error, transient_error
from tests.resilience.worlds import HARNESSES
from tests.support.asl import iter_states
from tests.support.synth import definitions_of, template_of


@pytest.mark.parametrize("workflow", sorted(WORKFLOW_STACKS))
def test_every_workflow_has_a_policy_a_harness_and_its_happy_paths(workflow: str) -> None:
    assert workflow in POLICIES, f"add {workflow}'s designed outcomes to tests/resilience/outcomes.py"
    assert workflow in HARNESSES, f"add a harness for {workflow} to tests/resilience/worlds.py"
    samples = {sample.name for sample in discover(workflow=workflow)}
    assert set(POLICIES[workflow].happy_paths.values()) <= samples
    assert len(POLICIES[workflow].happy_paths) == len(machines(workflow))


@pytest.mark.parametrize("workflow", sorted(WORKFLOW_STACKS))
def test_the_matrix_has_three_cells_for_every_task_state(workflow: str) -> None:
    tasks = [
        ref
        for definition in definitions_of(template_of("dev", workflow)).values()
        for ref in iter_states(definition)
        if ref.type == "Task"
    ]
    own = [cell for cell in cells() if cell.workflow == workflow]
    assert len(own) == len(KINDS) * len(tasks)
    assert {cell.kind for cell in own} == set(KINDS)
    for cell in own:
        assert transient_error(cell.resource)  # raises for a service without a known throttling error
        assert ambiguous_error(cell.resource).endswith(("Exception", "Error"))


def test_no_stale_tolerated_or_gap_entries() -> None:
    locations = {f"{cell.workflow}/{cell.location}" for cell in cells()}
    keys = {f"{cell.workflow}/{cell.location}:{cell.kind}" for cell in cells()}
    assert set(TOLERATED) <= locations, sorted(set(TOLERATED) - locations)
    assert set(LOCALRUN_GAPS) <= keys, sorted(set(LOCALRUN_GAPS) - keys)
    assert all(reason.strip() for reason in [*TOLERATED.values(), *LOCALRUN_GAPS.values()])
