"""SendTaskFailure passes its `cause` to the failed task, as on AWS (moto dropped it).

The Catch's ResultPath gets both (`{"Error": ..., "Cause": ...}`).

Upstream: no moto issue found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import EmptyResult
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.responses import StepFunctionResponse

from localrun.engine.overrides import replace

OVERRIDE_KIND = "fix"
OVERRIDE_TEST = "tests/localrun/engine/fixes/test_send_task_failure_cause.py"


def install() -> None:
    replace(StepFunctionResponse, "send_task_failure", _build_send_task_failure)


def _build_send_task_failure(original: Callable[[StepFunctionResponse], Any]) -> Callable[..., Any]:
    def send_task_failure(self: StepFunctionResponse) -> Any:
        backend = self.stepfunction_backend
        if not isinstance(backend, StepFunctionsParserBackend):
            return original(self)
        backend.send_task_failure(
            self._get_param("taskToken"), error=self._get_param("error"), cause=self._get_param("cause")
        )
        return EmptyResult()

    return send_task_failure
