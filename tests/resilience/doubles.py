"""Double faults on the failure paths, generated from the synthesized definitions.

For every Task state A of every machine, the route its unexpected permanent failure takes (its own or
its containers' catch-all catcher, then the normal flow from there: compensations, record, mark and
park steps) is walked, and every Task state B on it gives one pair: A fails permanently, then B fails
permanently too. The pair runs on a scenario that reaches A (`Harness.scenarios`); it must end in a
designed failure of B's route (named Fail state or the workflow's parking outcome) with the
workflow's invariants holding (`Harness.judge`, B's cell). A pair whose B the run does not enter
(the failure path's Choice sends A's error elsewhere, e.g. to the rejection record) is `off-route`,
shown with where the single fault went.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from localrun import Fault
from stacks.application import WORKFLOW_STACKS
from tests.resilience.harness import Harness, Verdict
from tests.resilience.matrix import PERMANENT, Cell, Machine, Path, _next_names, designed_route, machines
from tests.support.asl import sub_machines

OFF_ROUTE = "off-route"


@dataclass(frozen=True, eq=False)
class Pair:
    """A permanent failure at `first`, then a permanent failure of `second` on first's failure route."""

    workflow: str
    machine: Machine
    first: Path
    second: Path

    @property
    def cells(self) -> tuple[Cell, Cell]:
        return (
            Cell(self.workflow, self.machine, self.first, PERMANENT),
            Cell(self.workflow, self.machine, self.second, PERMANENT),
        )

    @property
    def id(self) -> str:
        return f"{self.workflow}:{self.machine.short_name}:{'/'.join(self.first)}+{'/'.join(self.second)}"


def route_tasks(machine: Machine, path: Path) -> list[Path]:
    """Task states on the failure route of `path`: from its catch-all catcher's target along the
    normal flow (Choice branches, Parallel branches and Map processors included), to the route's
    ends (further catchers are a third fault, not followed)."""
    start = designed_route(machine, path).first
    if start is None:
        return []
    found: list[Path] = []
    seen: set[Path] = set()
    stack = [start]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        state = machine.states[current].state
        if state.get("Type") == "Task" and current != path:
            found.append(current)
        nested = [(*current, sub["StartAt"]) for sub in sub_machines(state)]
        stack.extend(reversed([*nested, *((*current[:-1], name) for name in _next_names(state))]))
    return found


def pairs(workflows: Iterator[str] | None = None) -> list[Pair]:
    """Every (A, B) of the dev app's registered workflows, in a stable order."""
    found = []
    for workflow in sorted(workflows or WORKFLOW_STACKS):
        for machine in machines(workflow):
            for path, ref in machine.states.items():
                if ref.type == "Task":
                    found += [Pair(workflow, machine, path, second) for second in route_tasks(machine, path)]
    return found


def run_pair(harness: Harness, pair: Pair) -> Verdict:
    """Run A's scenario with both faults; judged as B's permanent cell (B's failure decides where the
    run ends), after checking both faults fired."""
    first, second = pair.cells
    faults = [Fault(state=cell.state, error=cell.error, times=None) for cell in (first, second)]
    tried: list[str] = []
    for scenario in harness.scenarios(pair.machine, pair.first):
        base = harness.baseline(scenario)
        if base.result is None or base.problems:
            tried.append(f"{scenario.label}: unusable baseline ({base.summary}; {base.problems})")
            continue
        observation = harness.execute(scenario, faults)
        result = observation.result
        if result is None or not result.faults_fired.get(faults[0]):
            tried.append(f"{scenario.label}: {first.state} not reached")
            continue
        if not result.faults_fired.get(faults[1]):
            single = harness.execute(scenario, faults[:1])
            if single.result is not None and second.state not in single.reached:
                end = single.result.states[-1] if single.result.states else "-"
                return Verdict(
                    OFF_ROUTE, f"{first.state} alone ends {single.summary} in {end}", scenario.label
                )
            tried.append(f"{scenario.label}: {second.state} not reached")
            continue
        return harness.judge(second, observation, base)
    return Verdict("UNHANDLED", "not reached", "-", (f"no scenario reaches {pair.id}", *tried))
