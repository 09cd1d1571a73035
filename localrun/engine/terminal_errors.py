"""Errors no Retrier or Catcher handles, as the Step Functions Developer Guide documents them.

"Error handling in Step Functions workflows", Error names:

- `States.ALL` "cannot catch the `States.DataLimitExceeded` terminal error or `Runtime` error
  types" (a Retrier or Catcher naming `States.DataLimitExceeded` explicitly still matches it);
- `States.Runtime`: "An execution failed due to some exception that it couldn't process ... A
  `States.Runtime` error isn't retriable, and will always cause the execution to fail": no
  Retrier or Catcher matches it, whatever it names, so it leaves Parallel branches and inline Map
  iterations and fails the execution (a Distributed Map child is an execution of its own: it fails,
  and its Map counts a failed item).

moto matched both with `States.ALL`, so a Parameters path that resolves to nothing (`$.missing`)
was retried and caught locally where it fails the execution on AWS. And where such an error left
a Parallel branch or Map iteration, moto prefixed the cause with "An error occurred while executing
the state ..." once per enclosing state; the cause names the state where the error happened, once.
"""

from __future__ import annotations

from collections.abc import Callable

from moto.stepfunctions.parser.api import ExecutionFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
    StatesErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.eval.environment import Environment

from localrun.engine.overrides import replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/engine/test_terminal_errors.py"

UNCATCHABLE = StatesErrorName(typ=StatesErrorNameType.StatesRuntime)
NOT_IN_STATES_ALL = StatesErrorName(typ=StatesErrorNameType.StatesStatesDataLimitExceeded)
_DECORATION = "An error occurred while executing the state '"


def install() -> None:
    replace(ErrorEqualsDecl, "_eval_body", _build_error_equals)
    replace(FailureEventException, "get_execution_failed_event_details", _build_decorate_once)


def matches(error_names: list[object], error: object) -> bool | None:
    """False where AWS never matches `error` against `error_names`; None where moto's rule holds."""
    if error == UNCATCHABLE:
        return False
    if error == NOT_IN_STATES_ALL:
        return error in error_names
    return None


def _build_error_equals(original: Callable[[ErrorEqualsDecl, Environment], None]) -> Callable[..., None]:
    def eval_body(self: ErrorEqualsDecl, env: Environment) -> None:
        verdict = matches(self.error_names, env.stack[-1])
        if verdict is None:
            return original(self, env)
        env.stack.pop()
        env.stack.append(verdict)
        return None

    return eval_body


def _build_decorate_once(
    original: Callable[[FailureEventException], ExecutionFailedEventDetails | None],
) -> Callable[..., ExecutionFailedEventDetails | None]:
    def get_execution_failed_event_details(self: FailureEventException) -> ExecutionFailedEventDetails | None:
        pair = self.extract_error_cause_pair()
        if pair is not None and isinstance(pair[1], str) and pair[1].startswith(_DECORATION):
            error, cause = pair
            details = ExecutionFailedEventDetails(cause=cause)
            if error:
                details["error"] = error
            return details
        return original(self)

    return get_execution_failed_event_details
