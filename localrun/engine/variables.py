"""Workflow variables assigned as Step Functions assigns them: after the state's output.

"Passing data between states with variables" (Step Functions Developer Guide): the expressions of
a state's `Assign` and `Output` (or `OutputPath`) are evaluated with the variable values from
when the state was entered; the new values are visible from the next state on. moto applied
`Assign` before evaluating the output, so `Output` saw the new values.

localrun collects the assignments a state makes (its own `Assign`, a Choice rule's or a
Catcher's) and applies them once the state's output is computed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.stepfunctions.parser.asl.component.common.assign.assign_decl import AssignDecl
from moto.stepfunctions.parser.asl.component.state.choice.state_choice import StateChoice
from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
from moto.stepfunctions.parser.asl.component.state.state import CommonStateField
from moto.stepfunctions.parser.asl.eval.environment import Environment

from localrun.engine.overrides import replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/engine/test_documented_behaviours.py"

_PENDING = "_localrun_pending_assignments"


def install() -> None:
    replace(CommonStateField, "_eval_state_input", _build_open)
    replace(AssignDecl, "_eval_body", _build_assign)
    for state_class in (CommonStateField, ExecutionState, StateChoice):
        replace(state_class, "_eval_state_output", _build_apply)


def _build_open(original: Callable[[Any, Environment], None]) -> Callable[..., None]:
    """The state is entered: its assignments wait for its output."""

    def eval_state_input(self: CommonStateField, env: Environment) -> None:
        setattr(env, _PENDING, [])
        return original(self, env)

    return eval_state_input


def _build_assign(original: Callable[[AssignDecl, Environment], None]) -> Callable[..., None]:
    def eval_body(self: AssignDecl, env: Environment) -> None:
        pending: list[tuple[str, Any]] | None = getattr(env, _PENDING, None)
        if pending is None:
            return original(self, env)
        declarations: dict[str, Any] = {}
        for binding in self.declaration_bindings:
            binding.eval(env=env)
            declarations.update(env.stack.pop())
        pending.extend(declarations.items())
        return None

    return eval_body


def _build_apply(original: Callable[[Any, Environment], None]) -> Callable[..., None]:
    def eval_state_output(self: CommonStateField, env: Environment) -> None:
        original(self, env)
        pending: list[tuple[str, Any]] | None = getattr(env, _PENDING, None)
        if pending:
            setattr(env, _PENDING, [])
            for identifier, value in pending:
                env.variable_store.set(variable_identifier=identifier, variable_value=value)

    return eval_state_output
