"""A failed Parallel branch aborts the states still running in its sibling branches, in the history.

"If any branch fails, because of an unhandled error or by transitioning to a Fail state, the
entire Parallel state is considered to have failed and all its branches are stopped" (Parallel
workflow state, Step Functions Developer Guide). A Task, Parallel or Map state that a stopped
branch was running ends with the history event of its type that the Step Functions API
(`HistoryEventType`) defines for it: `TaskStateAborted`, `ParallelStateAborted`,
`MapStateAborted`. moto stopped the sibling branches but recorded nothing for their running states.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.stepfunctions.parser.api import HistoryEventType
from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
from moto.stepfunctions.parser.asl.component.state.exec.state_map.state_map import StateMap
from moto.stepfunctions.parser.asl.component.state.exec.state_parallel.branch_worker import BranchWorker
from moto.stepfunctions.parser.asl.component.state.exec.state_parallel.state_parallel import StateParallel
from moto.stepfunctions.parser.asl.eval.environment import Environment

from localrun.engine.overrides import replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/engine/test_parallel_abort.py"

_RUNNING = "_localrun_running_state"


def install() -> None:
    for state_class in (ExecutionState, StateParallel, StateMap):
        replace(state_class, "_eval_state", _build_eval_state)
    replace(BranchWorker, "stop", _build_stop)


def aborted_event(state: ExecutionState) -> HistoryEventType:
    """The event that ends `state` when its branch is stopped."""
    if isinstance(state, StateParallel):
        return HistoryEventType.ParallelStateAborted
    if isinstance(state, StateMap):
        return HistoryEventType.MapStateAborted
    return HistoryEventType.TaskStateAborted


def _build_eval_state(original: Callable[[ExecutionState, Environment], None]) -> Callable[..., None]:
    def eval_state(self: ExecutionState, env: Environment) -> None:
        previous = getattr(env, _RUNNING, None)
        setattr(env, _RUNNING, self)
        try:
            return original(self, env)
        finally:
            setattr(env, _RUNNING, previous)

    return eval_state


def _build_stop(original: Callable[..., None]) -> Callable[..., None]:
    def stop(self: BranchWorker, *args: Any, **kwargs: Any) -> None:
        env = self.env
        state = getattr(env, _RUNNING, None) if env is not None else None
        if state is not None and env.is_running():
            env.event_manager.add_event(context=env.event_history_context, event_type=aborted_event(state))
        return original(self, *args, **kwargs)

    return stop
