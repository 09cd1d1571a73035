"""Redrive of a top-level Parallel or inline Map state: only the branches and iterations that
failed or were aborted run again.

"For workflows that include an Inline Map or Parallel state, RedriveExecution reschedules and
redrives only the iterations and branches that failed or aborted" (RedriveExecution, API
reference). While a top-level Parallel or inline Map runs, each branch's (iteration's) outcome is
noted for the attempt: its output when it succeeded, otherwise the state it had reached and that
state's input. When the execution is redriven from that state, a succeeded branch gives its noted
output without running its states (no effects; an iteration still records MapIterationStarted and
MapIterationSucceeded), and every other branch goes on from the state it had reached, as the
execution itself does (`redrive.py`), or from its start if it never started. Parallel and Map
states nested in a branch are not tracked: they run again whole within their redriven branch."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.stepfunctions.parser.asl.component.program.program import Program
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.iteration_worker import (
    IterationWorker,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.job import Job
from moto.stepfunctions.parser.asl.component.state.exec.state_parallel.branches_decl import BranchesDecl
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.program_state import ProgramEnded

from localrun.engine.overrides import replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/engine/test_redrive.py"

TRACK = "_localrun_track_resume"  # on a branch frame: note each state entered, as at top level
RESUME = "_localrun_resume"
RESUME_FROM = "_localrun_resume_from"


@dataclass(frozen=True)
class BranchOutcome:
    """A branch's output if it succeeded; else its `Resume` point (None: it never started a state)."""

    succeeded: bool
    output: Any = None
    resume: Any = None


@dataclass
class Scope:
    """One execution attempt's bookkeeping, shared by its environment and all its frames."""

    top_state: str | None = None  # the top-level state being evaluated
    branches: dict[str, dict[int, BranchOutcome]] = field(default_factory=dict)
    reuse: tuple[str, dict[int, BranchOutcome]] | None = None  # a redrive's noted branches


_scopes: weakref.WeakKeyDictionary[Any, Scope] = weakref.WeakKeyDictionary()
_scopes_lock = threading.Lock()


def scope_of(env: Environment) -> Scope:
    """The attempt's Scope: keyed by the callback pool manager, which an environment's frames share
    and each attempt's root environment creates anew."""
    with _scopes_lock:
        scope = _scopes.get(env.callback_pool_manager)
        if scope is None:
            scope = _scopes[env.callback_pool_manager] = Scope()
        return scope


def install() -> None:
    replace(BranchesDecl, "_eval_body", _build_branches_body)
    replace(IterationWorker, "_eval_job", _build_eval_job)


def enter_top_level(env: Environment, state: str) -> None:
    """A top-level state starts: its branch outcomes start afresh; a redrive's noted outcomes apply
    only to the state the redrive resumes at, until another state starts."""
    scope = scope_of(env)
    with _scopes_lock:
        scope.top_state = state
        scope.branches.pop(state, None)
        if scope.reuse is not None and scope.reuse[0] != state:
            scope.reuse = None


def _top_level_reuse(env: Environment) -> tuple[str, Scope, dict[int, BranchOutcome]] | None:
    """For a Parallel or inline Map state evaluated at the top level: its name, the attempt's Scope
    and the outcomes noted for it by the attempt that is being redriven (or {}); else None."""
    state = env.states.context_object.context_object_data["State"]["Name"]
    scope = scope_of(env)
    if state != scope.top_state:  # state names are unique in a state machine: a nested state
        return None
    reuse: dict[int, BranchOutcome] = {}
    with _scopes_lock:
        if scope.reuse is not None and scope.reuse[0] == state:
            reuse = scope.reuse[1]
        scope.branches.setdefault(state, {})
    return state, scope, reuse


def _build_eval_job(original: Callable[[IterationWorker, Environment, Job], None]) -> Callable[..., None]:
    """An inline Map iteration: replayed when it succeeded in the redriven attempt, else run (from
    the state it had reached, if any), its outcome noted either way."""

    def eval_job(self: IterationWorker, env: Environment, job: Job) -> None:
        found = _top_level_reuse(env)
        if found is None:
            return original(self, env, job)
        state, scope, reuse = found
        program = job.job_program
        previous = reuse.get(job.job_index)
        job.job_program = _Branch(program, job.job_index, scope.branches[state], previous)  # type: ignore[misc,assignment]
        try:
            return original(self, env, job)
        finally:
            job.job_program = program  # type: ignore[misc]

    return eval_job


def _build_branches_body(original: Callable[[BranchesDecl, Environment], None]) -> Callable[..., None]:
    def eval_body(self: BranchesDecl, env: Environment) -> None:
        found = _top_level_reuse(env)
        if found is None:
            return original(self, env)
        state, scope, reuse = found
        outcomes = scope.branches[state]
        programs = self.programs
        self.programs = [  # type: ignore[misc]
            _Branch(program, index, outcomes, reuse.get(index)) for index, program in enumerate(programs)
        ]
        try:
            return original(self, env)
        finally:
            self.programs = programs  # type: ignore[misc]

    return eval_body


class _Branch:
    """Stands in for a branch's Program: replays a succeeded branch, resumes or runs the others,
    and notes how each ended."""

    def __init__(
        self, program: Program, index: int, outcomes: dict[int, BranchOutcome], previous: BranchOutcome | None
    ) -> None:
        self.program = program
        self.index = index
        self.outcomes = outcomes
        self.previous = previous

    def __str__(self) -> str:
        return str(self.program)

    def eval(self, env: Environment) -> None:
        previous = self.previous
        if previous is not None and previous.succeeded:
            env.states.reset(previous.output)
            env.set_ended()
            self.outcomes[self.index] = previous
            return
        setattr(env, TRACK, True)
        if previous is not None and previous.resume is not None:
            setattr(env, RESUME_FROM, previous.resume)
        try:
            self.program.eval(env)
        finally:
            if isinstance(env.program_state(), ProgramEnded):
                self.outcomes[self.index] = BranchOutcome(succeeded=True, output=env.states.get_input())
            else:
                self.outcomes[self.index] = BranchOutcome(succeeded=False, resume=getattr(env, RESUME, None))
