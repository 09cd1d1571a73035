"""The fixed spec (`spec.py`) covers exactly the app: a declaration per Task state, states that exist,
and every retried error class of a handler declared (a `raised` cell each)."""

from __future__ import annotations

import pytest

from stacks.application import WORKFLOW_STACKS
from tests.quality.error_names import _invoked_function, _is_task_function, defined_exceptions
from tests.resilience.matrix import RAISED, cells, machines
from tests.resilience.spec import DESIGNED, RETRIED
from tests.support.synth import template_of


def _task_states(workflow: str) -> dict[tuple[str, str], dict[str, object]]:
    return {
        (machine.short_name, "/".join(path)): dict(ref.state)
        for machine in machines(workflow)
        for path, ref in machine.states.items()
        if ref.type == "Task"
    }


@pytest.mark.parametrize("workflow", sorted(WORKFLOW_STACKS))
def test_every_task_state_has_a_designed_outcome_and_no_other(workflow: str) -> None:
    tasks = set(_task_states(workflow))
    declared = {(machine, state) for machine, table in DESIGNED.get(workflow, {}).items() for state in table}
    assert sorted(tasks - declared) == [], (
        "declare these states' designed outcome in tests/resilience/spec.py"
    )
    assert sorted(declared - tasks) == [], "stale declarations in tests/resilience/spec.py"


@pytest.mark.parametrize("workflow", sorted(WORKFLOW_STACKS))
def test_declared_ends_and_visits_are_states_of_their_machine(workflow: str) -> None:
    for machine in machines(workflow):
        names = {path[-1] for path in machine.states}
        for state, designed in DESIGNED.get(workflow, {}).get(machine.short_name, {}).items():
            unknown = {designed.end, *designed.visits} - names
            assert not unknown, f"{workflow} {machine.short_name} {state}: no state named {sorted(unknown)}"


@pytest.mark.parametrize("workflow", sorted(WORKFLOW_STACKS))
def test_every_retried_handler_error_is_declared(workflow: str) -> None:
    """Each error class of a handler's code that its state's Retry lists (with attempts left) is
    declared in `RETRIED`, and each declared name is an exception class of that handler's code."""
    template = template_of("dev", workflow)
    functions = {
        logical_id for logical_id in template["Resources"] if _is_task_function(template, logical_id)
    }
    for (machine, location), state in _task_states(workflow).items():
        declared = set(RETRIED.get(workflow, {}).get(machine, {}).get(location, ()))
        function = _invoked_function(state, functions)
        if function is None:
            assert not declared, f"{location} invokes no task function: nothing can raise {sorted(declared)}"
            continue
        classes = defined_exceptions(template, function)
        listed = {
            name
            for retrier in state.get("Retry", [])  # type: ignore[attr-defined]
            if retrier.get("MaxAttempts", 3) > 0
            for name in retrier["ErrorEquals"]
            if name in classes
        }
        assert listed <= declared, f"{workflow} {location} retries {sorted(listed - declared)}: declare them"
        assert declared <= classes, f"{workflow} {location}: no exception class {sorted(declared - classes)}"


def test_every_declared_retried_error_has_a_raised_cell() -> None:
    raised = {
        (cell.workflow, cell.machine.short_name, cell.location, cell.named)
        for cell in cells()
        if cell.kind == RAISED
    }
    declared = {
        (workflow, machine, state, name)
        for workflow, table in RETRIED.items()
        for machine, states in table.items()
        for state, names in states.items()
        for name in names
    }
    assert raised == declared
