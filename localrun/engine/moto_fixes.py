"""Fixes for moto interpreter bugs that make valid workflows fail locally.

- A Map iteration or Parallel branch failing with a `States.*` error (e.g. States.TaskFailed), a
  mocked `Throw` of States.Timeout or a SendTaskFailure with a States.* error crashed moto with
  "Custom Error Names MUST NOT begin with the prefix 'States.'"; they now propagate as the proper
  States error, so Retry/Catch see it.
- Terminal states are final: once an execution timed out or was stopped, a task thread that
  wakes up later (and fails because its environment is no longer running) cannot turn the
  execution into FAILED.
- Distributed Map item failures were swallowed (the map run succeeded with a null item). Failed
  and timed-out items are now counted against `ToleratedFailureCount`/`ToleratedFailurePercentage`
  (default 0): past the threshold the Map fails with States.ExceedToleratedFailureThreshold.
  With an `ItemBatcher` (emulated in `engine/item_batcher.py`, which this run applies first), the
  items of a failed child execution all count. A JSONata `ToleratedFailureCount` was parsed as a
  `ToleratedFailurePercentage` (so a Map giving both was refused as "Redefinition of type"): it
  is now the count it is.
- A Distributed Map `ItemReader` over `s3:listObjectsV2` read only the first page and failed on
  an empty prefix. localrun lists every page, yields `[]` for no objects, and shapes each item as
  Step Functions does: `{"Etag", "Key", "LastModified" (epoch seconds), "Size", "StorageClass"}`.
- The optimized DynamoDB integration turned every error that is not a botocore ClientError into
  `DynamoDB.AmazonDynamoDBException`, including a fault localrun injects into the state
  (`Fault(state=..., error="DynamoDB.ProvisionedThroughputExceededException")`), so Retry/Catch
  saw another name than the one the service (and every other task type) reports. Failures the
  interpreter already named now pass through unchanged, as for the other task types.
- SendTaskFailure dropped its `cause`: the task now fails with the error and the cause given, so
  the Catch's ResultPath gets both (`{"Error": ..., "Cause": ...}`), as on AWS.
- A Distributed Map `ResultWriter` wrote a manifest with empty `ResultFiles`: it now writes the
  child executions' results (`SUCCEEDED_0.json`, `FAILED_0.json`) and lists them in the manifest,
  as Step Functions does (`engine/result_writer.py`).
- CloudFormation CreateStackInstances used only the ParameterOverrides when some were given (the
  instances lost every other StackSet parameter); CloudFormation uses the StackSet's parameter
  values with the overrides on top (`UsePreviousValue` keeps the StackSet's value).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from moto.cloudformation.models import StackSet
from moto.core.responses import EmptyResult
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (
    CustomErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.error_name import ErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
    StatesErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval import (
    resource_eval_s3,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.distributed_iteration_component import (  # noqa: E501
    DistributedIterationComponent,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.tolerated_failure import (
    ToleratedFailureCountStringJSONata,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb import (  # noqa: E501
    StateTaskServiceDynamoDB,
)
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped, ProgramTimedOut
from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.responses import StepFunctionResponse

from localrun.engine import item_batcher, result_writer
from localrun.engine.overrides import replace


def error_name(error_name: str | None) -> ErrorName:
    """The interpreter's error name object for `error_name` (States.* names are not custom)."""
    if error_name is not None and error_name.startswith("States."):
        try:
            return StatesErrorName.from_name(error_name)
        except Exception:
            pass
    return CustomErrorName(error_name)


_DYNAMIC_ERROR_MODULES = [
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.iteration_worker",
    "moto.stepfunctions.parser.asl.component.state.exec.state_parallel.branches_decl",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.mock_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback",
    "moto.stepfunctions.parser.asl.component.state.fail.state_fail",
]


def install() -> None:
    for module_name in _DYNAMIC_ERROR_MODULES:
        replace(importlib.import_module(module_name), "CustomErrorName", lambda original: error_name)
    replace(resource_eval_s3.ResourceEvalS3, "_handle_list_objects_v2", _build_list_objects)
    replace(Environment, "set_error", _build_set_error)
    replace(DistributedIterationComponent, "_map_run", _build_map_run)
    replace(StepFunctionResponse, "send_task_failure", _build_send_task_failure)
    replace(StackSet, "create_stack_instances", _build_create_stack_instances)
    replace(StateTaskServiceDynamoDB, "_from_error", _build_named_failures_pass)
    replace(Preprocessor, "visitTolerated_failure_count_string_jsonata", _build_tolerated_count_jsonata)
    result_writer.install()


def _build_tolerated_count_jsonata(original: Callable[..., Any]) -> Callable[..., Any]:
    def visit(self: Preprocessor, ctx: Any) -> ToleratedFailureCountStringJSONata:
        return ToleratedFailureCountStringJSONata(
            string_jsonata=self.visitString_jsonata(ctx=ctx.string_jsonata())
        )

    return visit


def _build_named_failures_pass(original: Callable[..., FailureEvent]) -> Callable[..., FailureEvent]:
    def from_error(self: Any, env: Environment, ex: Exception) -> FailureEvent:
        if isinstance(ex, FailureEventException):
            return ex.failure_event
        return original(self, env, ex)

    return from_error


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


def merged_parameters(
    stack_set_parameters: dict[str, str] | None, overrides: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """A stack instance's parameters: the StackSet's values with the instance's overrides on top."""
    values = dict(stack_set_parameters or {})
    for item in overrides or []:
        if item.get("UsePreviousValue") in (True, "true"):
            continue
        values[item["ParameterKey"]] = item["ParameterValue"]
    return [{"ParameterKey": key, "ParameterValue": value} for key, value in values.items()]


def _build_create_stack_instances(original: Callable[..., str]) -> Callable[..., str]:
    def create_stack_instances(
        self: StackSet,
        accounts: list[str],
        regions: list[str],
        deployment_targets: dict[str, Any] | None,
        parameters: list[dict[str, Any]],
    ) -> str:
        existing = {id(instance) for instance in self.stack_instances}
        merged = merged_parameters(self.parameters, parameters)
        operation_id = original(self, accounts, regions, deployment_targets, merged)
        for instance in self.stack_instances:
            if id(instance) not in existing:  # DescribeStackInstance reports the overrides only
                instance.parameters = list(parameters or [])
        return operation_id

    return create_stack_instances


def _build_map_run(original: Callable[..., None]) -> Callable[..., None]:
    def map_run(self: DistributedIterationComponent, env: Environment, eval_input: Any) -> None:
        record = eval_input.map_run_record
        result_writer.begin(env, record)
        batches = item_batcher.batch(env, eval_input)
        original(self, env, eval_input if batches is None else batches.eval_input)
        if batches is not None:
            batches.count_items(record)
        counter = record.item_counter
        failed = counter.failed.get() + counter.timed_out.get()
        total = counter.total.get()
        if failed == 0 or not _exceeds(failed, total, record):
            return
        env.stack.pop()
        cause = (
            f"The specified tolerated failure threshold was exceeded: {failed} of {total} items "
            f"failed (ToleratedFailureCount {record.tolerated_failure_count}, "
            f"ToleratedFailurePercentage {record.tolerated_failure_percentage})"
        )
        raise item_batcher.map_run_failure(
            env, StatesErrorNameType.StatesExceedToleratedFailureThreshold, cause
        )

    return map_run


def _exceeds(failed: int, total: int, record: Any) -> bool:
    count = record.tolerated_failure_count or 0
    percentage = record.tolerated_failure_percentage or 0.0
    return failed > count and (total == 0 or failed * 100.0 / total > percentage)


def _build_set_error(original: Callable[..., None]) -> Callable[..., None]:
    def set_error(self: Environment, error: Any) -> None:
        if isinstance(self._program_state, ProgramTimedOut | ProgramStopped):
            return None
        return original(self, error)

    return set_error


def _build_list_objects(original: staticmethod) -> staticmethod:  # type: ignore[type-arg]
    def list_objects_v2(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
        client = resource_eval_s3.ResourceEvalS3._get_s3_client(
            resource_runtime_part=resource_runtime_part, state_credentials=state_credentials
        )
        parameters = dict(env.stack.pop())
        items: list[dict[str, Any]] = []
        for page in client.get_paginator("list_objects_v2").paginate(**parameters):
            items.extend(_item(entry) for entry in page.get("Contents", []))
        env.stack.append(items)

    return staticmethod(list_objects_v2)


def _item(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "Etag": entry.get("ETag"),
        "Key": entry["Key"],
        "LastModified": int(entry["LastModified"].timestamp()),
        "Size": entry.get("Size", 0),
        "StorageClass": entry.get("StorageClass", "STANDARD"),
    }
