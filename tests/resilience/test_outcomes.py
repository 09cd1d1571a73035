"""The reviewed lists in `outcomes.py` stay true to the app: every workflow has a policy, a harness
and its happy-path samples; every Task's service has a known throttling error; no stale entries."""

from __future__ import annotations

import pytest

from localrun.samples import discover
from stacks.application import WORKFLOW_STACKS
from tests.resilience.matrix import KINDS, LISTED, cells, listed_errors, machines
from tests.resilience.outcomes import (
    LOCALRUN_GAPS,
    POLICIES,
    RECONCILED,
    TOLERATED,
    ambiguous_error,
    transient_error,
)
from tests.resilience.spec import retried
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
    own = [cell for cell in cells() if cell.workflow == workflow and cell.kind in KINDS]
    assert len(own) == len(KINDS) * len(tasks)
    assert {cell.kind for cell in own} == set(KINDS)
    for cell in own:
        assert transient_error(cell.resource)  # raises for a service without a known throttling error
        assert ambiguous_error(cell.resource).endswith(("Exception", "Error"))


def test_listed_cells_cover_every_other_retried_error_once_per_retrier() -> None:
    """Every error a Retry lists (not `States.*`, nor a state's transient/ambiguous/raised error) is
    injected at some state with the same retrier; none twice."""
    listed = [cell for cell in cells() if cell.kind == LISTED]
    assert len({cell.id for cell in listed}) == len(listed)
    injected = {(cell.workflow, cell.machine.short_name, cell.error) for cell in listed}
    for cell in cells():
        if cell.kind != "transient":
            continue
        declared = retried(cell.workflow, cell.machine.short_name, cell.location)
        for name, _ in listed_errors(cell.machine.states[cell.path], declared):
            assert (cell.workflow, cell.machine.short_name, name) in injected, (
                f"{cell.id}: {name} never injected"
            )


def test_no_stale_tolerated_or_gap_entries() -> None:
    locations = {f"{cell.workflow}/{cell.location}" for cell in cells()}
    keys = {f"{cell.workflow}/{cell.location}:{cell.kind}" for cell in cells()}
    assert set(TOLERATED) <= locations, sorted(set(TOLERATED) - locations)
    assert set(LOCALRUN_GAPS) <= keys, sorted(set(LOCALRUN_GAPS) - keys)
    assert all(reason.strip() for reason in [*TOLERATED.values(), *LOCALRUN_GAPS.values()])


def test_every_reconciled_state_catches_its_lost_answer_into_its_reconciler() -> None:
    """A `RECONCILED` entry names a Task whose ambiguous error is caught (not retried) into the named
    state; stale entries fail."""
    by_location = {f"{cell.workflow}/{cell.location}": cell for cell in cells() if cell.kind == "ambiguous"}
    for key, (reconciler, reason) in RECONCILED.items():
        assert key in by_location, f"stale RECONCILED entry {key}"
        cell = by_location[key]
        state = cell.machine.states[cell.path].state
        retried = {error for retry in state.get("Retry", []) for error in retry["ErrorEquals"]}
        assert cell.error not in retried and "States.ALL" not in retried, (
            f"{key} retries {cell.error} blindly"
        )
        [catcher] = [c for c in state.get("Catch", []) if cell.error in c["ErrorEquals"]]
        siblings = {
            path[-1]: ref.state for path, ref in cell.machine.states.items() if path[:-1] == cell.path[:-1]
        }
        target = catcher["Next"]
        while siblings[target]["Type"] == "Pass":
            target = siblings[target]["Next"]
        assert target == reconciler, f"{key}'s lost answer goes to {target}, not {reconciler}"
        assert len(reason) > 30
