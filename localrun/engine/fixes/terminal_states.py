"""Terminal states are final: a task failing after its execution timed out or was stopped changes nothing.

Once an execution timed out or was stopped, a task thread that wakes up later (and fails because
its environment is no longer running) turned the execution into FAILED in moto.

Upstream: no moto issue found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped, ProgramTimedOut

from localrun.engine.overrides import replace

OVERRIDE_KIND = "fix"
OVERRIDE_TEST = "tests/localrun/engine/test_timekeeping.py"


def install() -> None:
    replace(Environment, "set_error", _build_set_error)


def _build_set_error(original: Callable[..., None]) -> Callable[..., None]:
    def set_error(self: Environment, error: Any) -> None:
        if isinstance(self._program_state, ProgramTimedOut | ProgramStopped):
            return None
        return original(self, error)

    return set_error
