"""`DescribeExecution` answers with the fields the Step Functions API Reference documents.

- `redriveCount`: "If you have not yet redriven an execution, the redriveCount is 0" (localrun's
  executions have not been, unless the execution carries a `redrive_count` of its own).
- `redriveStatus`: for a STANDARD execution, `REDRIVABLE` when RedriveExecution would accept it
  (it FAILED, TIMED_OUT or was ABORTED, and stopped less than 14 days ago: "You can redrive
  executions that have failed, aborted, or timed out ... within 14 days"), `NOT_REDRIVABLE`
  otherwise, with `redriveStatusReason` in the API Reference's words ("Execution is RUNNING and
  cannot be redriven.", "Execution is SUCCEEDED and cannot be redriven.", "Execution redrivable
  period exceeded."). Express executions cannot be redriven on their own and get neither field.
  `redrive_status` is the one place that decides it, for a redrive emulation to extend.
- `inputDetails` (`{"included": true}`, as for `outputDetails`), and `stopDate` for a TIMED_OUT
  execution too; moto gave neither.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.core.responses import ActionResult
from moto.stepfunctions.responses import StepFunctionResponse

from localrun.engine.overrides import replace

REDRIVE_PERIOD = datetime.timedelta(days=14)
REDRIVABLE_STATUSES = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})
_STOPPED = REDRIVABLE_STATUSES | {"SUCCEEDED"}


@dataclass(frozen=True)
class RedriveStatus:
    """An execution's `redriveStatus` and, when it is NOT_REDRIVABLE, `redriveStatusReason`."""

    status: str
    reason: str | None = None


def redrive_status(
    status: str, stop_date: datetime.datetime | None, now: datetime.datetime | None = None
) -> RedriveStatus:
    """Whether a STANDARD execution in `status`, stopped at `stop_date`, can be redriven at `now`."""
    if status not in REDRIVABLE_STATUSES:
        return RedriveStatus("NOT_REDRIVABLE", f"Execution is {status} and cannot be redriven.")
    moment = now or datetime.datetime.now(datetime.UTC)
    if stop_date is not None and moment - _aware(stop_date) > REDRIVE_PERIOD:
        return RedriveStatus("NOT_REDRIVABLE", "Execution redrivable period exceeded.")
    return RedriveStatus("REDRIVABLE")


def install() -> None:
    replace(StepFunctionResponse, "describe_execution", _build_describe_execution)


def _aware(moment: datetime.datetime) -> datetime.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


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
        response["redriveCount"] = int(getattr(execution, "redrive_count", 0))
        if _execution_type(execution) == "STANDARD":
            verdict = redrive_status(status, execution.stop_date)
            response["redriveStatus"] = verdict.status
            if verdict.reason is not None:
                response["redriveStatusReason"] = verdict.reason
        return answer

    return describe_execution
