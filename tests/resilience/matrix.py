"""The fault matrix, generated from the synthesized definitions: every Task state x three faults.

- transient: the call fails before its effect with the service's throttling error (retried);
- permanent: the call fails before its effect with an error no retry can cure (designed failure);
- ambiguous: the call takes effect, then its response is lost with the service's 5xx error (the
  retry or the failure path must cope with an effect that already happened);
- raised: once, the real handler invocation raises an error class its Retry must cover, as declared
  in `spec.RETRIED` (resolved by name in the handler's own modules, so the `errorType` comes from the
  class itself: a class renamed behind an alias reports its new name and is not retried);
- listed: once, another error the state's Retry lists (a service's 5xx or conflict error, a Lambda
  client error), injected at the state, for one state per distinct Retry list of a machine.

Permanent cells are judged against the declared outcome in `spec.py`, not against the definition.

Cells are listed at collection time from the dev app's templates (one synth per session, shared
with the other suites), walking every state machine of every registered workflow, Parallel
branches and Map item processors included (the Express children of a Distributed Map too).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from stacks.application import WORKFLOW_STACKS
from tests.resilience.outcomes import ambiguous_error, permanent_error, transient_error
from tests.support.asl import StateRef, is_distributed_map, iter_states, sub_machines
from tests.support.synth import app_stacks, definitions_of, template_of

ENV = "dev"
TRANSIENT, PERMANENT, AMBIGUOUS = "transient", "permanent", "ambiguous"
RAISED, LISTED = "raised", "listed"
KINDS = (TRANSIENT, PERMANENT, AMBIGUOUS)
NAMED_KINDS = (RAISED, LISTED)
CATCH_ALL = frozenset({"States.ALL", "States.TaskFailed"})
Path = tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Machine:
    """One state machine of a workflow: logical id, construct path and resolved definition."""

    workflow: str
    logical_id: str
    construct_path: str
    definition: Mapping[str, Any]

    @property
    def short_name(self) -> str:
        """The construct path without the workflow construct and the trailing `Resource` bits."""
        path = self.construct_path.removesuffix("/Resource").removesuffix("/StateMachine")
        return path.removeprefix("Workflow/") or path

    @functools.cached_property
    def states(self) -> dict[Path, StateRef]:
        return {ref.path: ref for ref in iter_states(self.definition)}

    @functools.cached_property
    def graph(self) -> FailureGraph:
        return FailureGraph(self)


@dataclass(frozen=True, eq=False)
class Cell:
    """One Task state of one machine under one kind of fault."""

    workflow: str
    machine: Machine
    path: Path
    kind: str
    named: str | None = None  # the error of a `raised` or `listed` cell

    @property
    def state(self) -> str:
        return self.path[-1]

    @property
    def location(self) -> str:
        return "/".join(self.path)

    @property
    def resource(self) -> str:
        return str(self.machine.states[self.path].state.get("Resource", ""))

    @property
    def error(self) -> str:
        if self.named is not None:
            return self.named
        errors = {TRANSIENT: transient_error, PERMANENT: permanent_error, AMBIGUOUS: ambiguous_error}
        return errors[self.kind](self.resource)

    @property
    def id(self) -> str:
        kind = f"{self.kind}-{self.named}" if self.named else self.kind
        return f"{self.workflow}:{self.machine.short_name}:{self.location}:{kind}"


@functools.cache
def machines(workflow: str) -> list[Machine]:
    """The workflow's state machines in the dev app, with construct paths relative to the stack."""
    from aws_cdk import aws_stepfunctions as sfn

    stack = app_stacks(ENV)[workflow]
    paths = {
        str(stack.resolve(node.logical_id)): node.node.path.removeprefix(stack.node.path).lstrip("/")
        for node in stack.node.find_all()
        if isinstance(node, sfn.CfnStateMachine)
    }
    return [
        Machine(workflow, logical_id, paths.get(logical_id, logical_id), definition)
        for logical_id, definition in definitions_of(template_of(ENV, workflow)).items()
    ]


def cells() -> list[Cell]:
    """Every (workflow, machine, Task state, fault kind) of the dev app, in a stable order: three
    kinds per Task state, the declared handler errors (`raised`), and each other Retry-listed error
    once per machine and retrier (`listed`: states sharing a retry policy share its cells)."""
    from tests.resilience.spec import retried

    found = []
    for workflow in sorted(WORKFLOW_STACKS):
        for machine in machines(workflow):
            seen: set[str] = set()
            for path, ref in machine.states.items():
                if ref.type != "Task":
                    continue
                found += [Cell(workflow, machine, path, kind) for kind in KINDS]
                declared = retried(workflow, machine.short_name, "/".join(path))
                found += [Cell(workflow, machine, path, RAISED, name) for name in declared]
                for name, retrier in listed_errors(ref, declared):
                    key = json.dumps([name, retrier], sort_keys=True)
                    if key not in seen:
                        seen.add(key)
                        found.append(Cell(workflow, machine, path, LISTED, name))
    return found


def listed_errors(ref: StateRef, declared: tuple[str, ...]) -> list[tuple[str, Mapping[str, Any]]]:
    """(error, its retrier) for each error a state's Retry retries beyond its transient and ambiguous
    cells' errors, the `States.*` names and the handler errors declared for `raised` cells."""
    resource = str(ref.state.get("Resource", ""))
    covered = {transient_error(resource), ambiguous_error(resource), *declared}
    found: dict[str, Mapping[str, Any]] = {}
    for retrier in ref.state.get("Retry", []):
        if retrier.get("MaxAttempts", 3) == 0:  # listed to be final, not retried
            continue
        for name in retrier.get("ErrorEquals", []):
            if not name.startswith("States.") and name not in covered:
                found.setdefault(name, retrier)
    return list(found.items())


class FailureGraph:
    """Static routes of one definition: which states a failure of a state can lead to."""

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self._successors: dict[Path, set[Path]] = {}
        self._build(machine.definition, (), None)

    def _build(self, sub: Mapping[str, Any], prefix: Path, container: Path | None) -> None:
        for name, state in sub.get("States", {}).items():
            path = (*prefix, name)
            targets = {(*prefix, target) for target in _next_names(state)}
            targets |= {(*prefix, c["Next"]) for c in state.get("Catch", [])}
            ends = state.get("End") or state.get("Type") == "Succeed"
            if ends and container is not None:
                targets |= self._successors_of_container(container)
            for nested in sub_machines(state):
                targets.add((*path, nested["StartAt"]))
                self._build(nested, path, path)
            self._successors.setdefault(path, set()).update(targets)

    def _successors_of_container(self, container: Path) -> set[Path]:
        ref = self.machine.states[container].state
        parent = container[:-1]
        return {(*parent, name) for name in _next_names(ref)}

    def failure_routes(self, path: Path) -> list[tuple[tuple[str, ...], Path]]:
        """Where a failure of `path` can go, as (the catcher's ErrorEquals, its target): its own
        catchers first, then its containers' catchers, up to the first catch-all."""
        routes: list[tuple[tuple[str, ...], Path]] = []
        current = path
        while current:
            state = self.machine.states[current].state
            for catcher in state.get("Catch", []):
                errors = tuple(catcher.get("ErrorEquals", []))
                routes.append((errors, (*current[:-1], catcher["Next"])))
                if CATCH_ALL & set(errors):
                    return routes
            current = current[:-1]
        return routes

    def reachable(self, starts: set[Path]) -> set[Path]:
        seen: set[Path] = set()
        stack = list(starts)
        while stack:
            path = stack.pop()
            if path in seen:
                continue
            seen.add(path)
            stack.extend(self._successors.get(path, ()))
        return seen


@dataclass(frozen=True)
class Route:
    """Where a permanent failure of a state goes by design: the catcher's target (`first`), then the
    normal flow with no further catch, to top-level terminal states (`ends`) or back into the
    enclosing Map/Parallel, which carries on (`continues`: the container's path)."""

    first: Path | None
    ends: tuple[Path, ...]
    continues: Path | None


def designed_route(machine: Machine, path: Path) -> Route:
    """The route of an unexpected, permanent error of `path` (the catch-all catcher of the state or
    of its containers; a Distributed Map tolerating every item failure carries on)."""
    tolerant = _tolerating_map_depth(machine, path)
    catch_all = [
        start
        for errors, start in machine.graph.failure_routes(path)
        if CATCH_ALL & set(errors) and len(start) > tolerant
    ]
    if catch_all:
        first: Path | None = catch_all[0]
        starts = [catch_all[0]]
    else:
        first, starts = None, _tolerated_continuations(machine, path)
    if not starts:
        return Route(None, (), None)
    ends: list[Path] = []
    continues: Path | None = None
    seen: set[Path] = set()
    stack = list(reversed(starts))
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        state = machine.states[current].state
        successors = [(*current[:-1], name) for name in _next_names(state)]
        if state.get("Type") == "Fail":
            if len(current) == 1:
                ends.append(current)
            else:  # a Fail inside a branch fails the container: its catch-all takes over
                stack += [s for e, s in machine.graph.failure_routes(current[:-1]) if CATCH_ALL & set(e)][:1]
        elif not successors:
            if len(current) == 1:
                ends.append(current)
            else:
                continues = current[:-1]
        stack.extend(reversed(successors))
    if first is None:  # tolerated by the Distributed Map: report it as the map carrying on
        return Route(None, (), path[: _tolerating_map_depth(machine, path)])
    return Route(first, tuple(dict.fromkeys(ends)), continues)


def _tolerating_map_depth(machine: Machine, path: Path) -> int:
    """The depth of the innermost Distributed Map around `path` that tolerates every item failure
    (its items' failures never reach its catchers), or 0."""
    for depth in range(len(path) - 1, 0, -1):
        container = machine.states[path[:depth]].state
        if is_distributed_map(container) and container.get("ToleratedFailurePercentage") == 100:
            return depth
    return 0


def _tolerated_continuations(machine: Machine, path: Path) -> list[Path]:
    depth = _tolerating_map_depth(machine, path)
    if not depth:
        return []
    container = machine.states[path[:depth]].state
    return [(*path[: depth - 1], name) for name in _next_names(container)]


def _next_names(state: Mapping[str, Any]) -> Iterator[str]:
    if "Next" in state:
        yield state["Next"]
    for choice in state.get("Choices", []):
        yield choice["Next"]
    if "Default" in state:
        yield state["Default"]
