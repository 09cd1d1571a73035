"""Lambda task results and errors as Step Functions reports them.

- A function error's cause is the function's error payload exactly as Lambda returned it
  (`{"errorMessage": ..., "errorType": ..., "requestId": ..., "stackTrace": [...]}`, as the Python
  runtime writes it, with `", "` separators); moto parsed it and re-serialized it compactly.
- A payload that is not JSON (a handler returning bytes, which the Python runtime passes through
  unchanged) is the task's result as a string; moto's resource-ARN Lambda task could not read it.
- A Lambda API error (e.g. invoking a function that does not exist) is `Lambda.<ErrorCode>` with
  the SDK's cause for the resource-ARN Lambda task too, as for `arn:aws:states:::lambda:invoke`
  ("Handling errors in Step Functions workflows", Step Functions Developer Guide, names the Lambda
  service exceptions `Lambda.<Exception>`); moto called it `Exception`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError
from moto.stepfunctions.parser.api import HistoryEventType, LambdaFunctionFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (
    CustomErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_lambda import (
    StateTaskServiceLambda,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda import (
    StateTaskLambda,
)
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

from localrun.engine.overrides import replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/test_lambda_contract.py"


def install() -> None:
    replace(lambda_eval_utils, "_invoke_lambda_function", lambda original: _invoke_lambda_function)
    replace(StateTaskLambda, "_from_error", _build_from_error)


def payload_value(raw: bytes) -> Any:
    """The task result for a response payload: its JSON value, or the text when it is not JSON."""
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _invoke_lambda_function(
    parameters: dict[str, Any], region: str, state_credentials: Any
) -> dict[str, Any]:
    client = lambda_eval_utils.boto_client_for(
        service="lambda", region=region, state_credentials=state_credentials
    )
    response = client.invoke(**parameters)
    raw = response["Payload"].read()
    function_error = response.get("FunctionError")
    if function_error:
        raise lambda_eval_utils.LambdaFunctionErrorException(
            function_error, raw.decode("utf-8", errors="replace")
        )
    response["Payload"] = payload_value(raw)
    return response


def _build_from_error(original: Callable[..., FailureEvent]) -> Callable[..., FailureEvent]:
    def from_error(self: StateTaskLambda, env: Environment, ex: Exception) -> FailureEvent:
        if not isinstance(ex, ClientError):
            return original(self, env, ex)
        error, cause = StateTaskServiceLambda._error_cause_from_client_error(ex)
        return FailureEvent(
            env=env,
            error_name=CustomErrorName(error),
            event_type=HistoryEventType.LambdaFunctionFailed,
            event_details=EventDetails(
                lambdaFunctionFailedEventDetails=LambdaFunctionFailedEventDetails(error=error, cause=cause)
            ),
        )

    return from_error
