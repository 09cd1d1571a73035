"""Express state machines run as Express: moto recorded every state machine as STANDARD.

moto keeps the type a state machine was created with (`StateMachineInstance.type`, which
DescribeStateMachine reports) but hard-codes the interpreter's `sm_type` to STANDARD, so an
execution never knew it was Express. localrun gives the interpreter the created type, so the
limits the Developer Guide sets for Express apply locally: "the maximum wait time that you can
specify for Standard Workflows and Express workflows is one year and five minutes respectively"
(Wait workflow state), enforced in `timekeeping.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.stepfunctions.models import StateMachineInstance
from moto.stepfunctions.parser.api import StateMachineType

from localrun.engine.overrides import replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/engine/test_documented_behaviours.py"


def install() -> None:
    replace(StateMachineInstance, "__init__", _build_init)


def _build_init(original: Callable[..., None]) -> Callable[..., None]:
    def init(self: StateMachineInstance, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if self.type in {member.value for member in StateMachineType}:
            self.sm_type = StateMachineType(self.type)

    return init
