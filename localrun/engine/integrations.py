"""Service integrations moto's interpreter ships half-wired: Step Functions, aws-sdk, JSONata.

- `states:startExecution[.sync|.sync:2]` and `aws-sdk:*`: moto passes the state's Parameters to
  boto3 unchanged and returns boto3's response unchanged. AWS maps Parameters to the API's
  members and returns PascalCase members; localrun restores that mapping from the botocore
  service model (so `StateMachineArn` reaches `startExecution` and `ExecutionArn` comes back).
  Timestamps come back as epoch milliseconds for `states:*` and ISO-8601 for `aws-sdk:*`.
- aws-sdk error names: moto prefixes them with the ARN's lower-case service (`organizations.X`);
  Step Functions uses the SDK service id in PascalCase (`Organizations.X`, `DynamoDb.X`, `S3.X`),
  see `service_names.py`, so Retry/Catch written with AWS's names match locally too.
- `.sync` polling: moto polls the child every 0.5 s of wall time; localrun polls every 2 ms and
  adds the child's simulated time to the parent's clock.
- JSONata (QueryLanguage JSONata, and JSONPath `Assign`) evaluates with jsonata-python.
"""

from __future__ import annotations

import datetime
import functools
import uuid
from collections.abc import Callable
from typing import Any

import botocore.session
from botocore.model import OperationModel
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_callback,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (
    StateTaskServiceAwsSdk,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
    StateTaskServiceSfn,
)
from moto.stepfunctions.parser.asl.jsonata import jsonata as moto_jsonata
from moto.stepfunctions.parser.utils import camel_to_snake_case

from localrun import tracking
from localrun.engine.overrides import replace
from localrun.engine.service_names import error_service_name
from localrun.engine.timekeeping import clock_of

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/engine/test_integrations.py"

SYNC_POLL_SECONDS = 0.002
_TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


def install() -> None:
    replace(StateTaskServiceSfn, "_normalise_parameters", _build_parameters)
    replace(StateTaskServiceSfn, "_normalise_response", _build_response(epoch_millis=True))
    replace(StateTaskServiceAwsSdk, "_normalise_parameters", _build_parameters)
    replace(StateTaskServiceAwsSdk, "_normalise_response", _build_response(epoch_millis=False))
    replace(StateTaskServiceAwsSdk, "_normalise_service_error_name", _build_error_service_name)
    replace(state_task_service_callback, "_DELAY_SECONDS_SYNC_CONDITION_CHECK", _poll_interval)
    replace(moto_jsonata, "_eval_jsonata", _jsonata)


def _build_error_service_name(original: staticmethod) -> staticmethod:  # type: ignore[type-arg]
    return staticmethod(error_service_name)


def _poll_interval(original: float) -> float:
    return SYNC_POLL_SECONDS


@functools.cache
def _operation(service: str, action: str) -> OperationModel | None:
    model = botocore.session.get_session().get_service_model(service)
    for name in model.operation_names:
        if camel_to_snake_case(name) == action:
            return model.operation_model(name)
    return None


def _build_parameters(original: Callable[..., None]) -> Callable[..., None]:
    def normalise_parameters(
        self: Any,
        parameters: dict[str, Any],
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        original(self, parameters, boto_service_name, service_action_name)
        operation = _operation(
            self._get_boto_service_name(boto_service_name),
            self._get_boto_service_action(service_action_name),
        )
        if operation is not None and operation.input_shape is not None:
            self._to_boto_request(parameters, operation.input_shape)
        if operation is not None and operation.name == "StartExecution":
            parameters.setdefault("name", str(uuid.uuid4()))

    return normalise_parameters


def _build_response(*, epoch_millis: bool) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def build(original: Callable[..., None]) -> Callable[..., None]:
        def normalise_response(
            self: Any,
            response: Any,
            boto_service_name: str | None = None,
            service_action_name: str | None = None,
        ) -> None:
            original(self, response, boto_service_name, service_action_name)
            if not isinstance(response, dict):
                return
            operation = _operation(
                self._get_boto_service_name(boto_service_name),
                self._get_boto_service_action(service_action_name),
            )
            if operation is not None and operation.output_shape is not None:
                self._from_boto_response(response, operation.output_shape)
            _convert_timestamps(response, epoch_millis)
            if isinstance(self, StateTaskServiceSfn):
                _carry_child_time(response)

        return normalise_response

    return build


def _convert_timestamps(value: Any, epoch_millis: bool) -> Any:
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = _convert_timestamps(item, epoch_millis)
    elif isinstance(value, list):
        value[:] = [_convert_timestamps(item, epoch_millis) for item in value]
    elif isinstance(value, datetime.datetime):
        if epoch_millis:
            return int(value.timestamp() * 1000)
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    return value


def _carry_child_time(response: dict[str, Any]) -> None:
    """A finished child execution's simulated time passes on the waiting parent task too."""
    if response.get("Status") not in _TERMINAL or "ExecutionArn" not in response:
        return
    child = tracking.run_for(response["ExecutionArn"])
    scope = tracking.current_task()
    if child is None or child.clock is None or scope is None:
        return
    clock = clock_of(scope.env)
    if clock is not None:
        clock.sleep(child.clock.offset)


def _jsonata(original: Any) -> Callable[[str], Any]:
    def evaluate(expression: str) -> Any:
        from jsonata import Jsonata

        try:
            return Jsonata(expression).evaluate(None)
        except Exception as error:
            raise moto_jsonata.JSONataException("States.QueryEvaluationError", _message(error)) from error

    return evaluate


def _message(error: Exception) -> str:
    """JSONata's error as `CODE: message` (`T1006: Attempted to invoke a non-function`)."""
    code = getattr(error, "error", None)
    message = getattr(error, "message", None) or str(error)
    return f"{code}: {message}" if isinstance(code, str) and code else message
