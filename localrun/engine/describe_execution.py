"""`DescribeExecution` answers with the fields the Step Functions API Reference documents.

- `inputDetails` (`{"included": true}`, as for `outputDetails`), and `stopDate` for a TIMED_OUT
  execution too; moto gave neither.
- The redrive members (`redriveCount`, `redriveStatus`, `redriveStatusReason`, `redriveDate`) of a
  STANDARD execution, decided in one place: `engine/redrive.py`'s `redrive_fields` (an execution
  never redriven has `redriveCount` 0; "You can redrive executions that have failed, aborted, or
  timed out ... within 14 days"). Express executions cannot be redriven and get none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.stepfunctions.parser.backend.execution import Execution
from moto.stepfunctions.responses import StepFunctionResponse

from localrun.engine import redrive
from localrun.engine.overrides import replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/engine/test_describe_execution.py"

_STOPPED = frozenset({"FAILED", "TIMED_OUT", "ABORTED", "SUCCEEDED"})


def install() -> None:
    replace(StepFunctionResponse, "describe_execution", _build_describe_execution)


def _execution_type(execution: Any) -> str:
    kind = getattr(execution, "sm_type", "STANDARD")
    return str(getattr(kind, "value", kind))


def _build_describe_execution(original: Callable[[StepFunctionResponse], Any]) -> Callable[..., Any]:
    def describe_execution(self: StepFunctionResponse) -> Any:
        answer = original(self)
        response = answer.result if isinstance(answer, ActionResult) else None
        if not isinstance(response, dict):
            return answer
        execution = self.stepfunction_backend.describe_execution(self._get_param("executionArn"))
        status = str(response.get("status"))
        response["inputDetails"] = {"included": True}
        if status in _STOPPED and response.get("stopDate") is None and execution.stop_date is not None:
            response["stopDate"] = execution.stop_date
        if isinstance(execution, Execution) and _execution_type(execution) == "STANDARD":
            response.update(redrive.redrive_fields(execution))
        return answer

    return describe_execution
