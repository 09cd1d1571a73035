"""Distributed Map `ResultWriter` output as Step Functions writes it (moto wrote an empty manifest).

Each item's child execution is recorded as it ends (input after ItemSelector, output or error and
cause, start and stop time on the virtual clock). When the Map writes its results,
`<Prefix>/<MapRunId>/` gets `SUCCEEDED_0.json` and `FAILED_0.json` (JSON arrays of child results,
written only when not empty) and a `manifest.json` listing them by status with `Key` and `Size`;
the Map's output is `{"MapRunArn", "ResultWriterDetails": {"Bucket", "Key": ".../manifest.json"}}`.
Failed, timed-out and aborted children go to `FAILED_0.json` with their `Status`.

Which children are written follows "ResultWriter (Map)", Exporting to Amazon S3 (Step Functions
Developer Guide): "`SUCCEEDED_n.json` - Contains the consolidated data for all successful child
workflow executions" and "`FAILED_n.json` - ... all failed, timed out, and aborted child workflow
executions". The guide makes no exception for a child execution type (its example entries carry
`RedriveStatus`, a field of Standard child executions), so succeeded children are written whether
the Map's `ExecutionType` is STANDARD or EXPRESS. (One recording of a STANDARD map on AWS listed
no SUCCEEDED file; localrun follows the documentation.)
"""

from __future__ import annotations

import copy
import datetime
import json
import threading
import uuid
from collections.abc import Callable
from typing import Any

from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor.distributed_item_processor_worker import (  # noqa: E501
    DistributedItemProcessorWorker,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval import (
    resource_eval_s3,
)
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager
from moto.stepfunctions.parser.asl.eval.program_state import (
    ProgramEnded,
    ProgramError,
    ProgramStopped,
    ProgramTimedOut,
)

from localrun import tracking
from localrun.engine.overrides import replace
from localrun.engine.timekeeping import clock_of

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/engine/test_result_writer.py"

RESULTS_ATTRIBUTE = "_localrun_child_results"
MAP_RUN_ATTRIBUTE = "_localrun_map_run"
_MAP_STATE_ATTRIBUTE = "_localrun_map_state"
_INPUT_ATTRIBUTE = "_localrun_child_input"
STATUS_FILES = ("FAILED", "PENDING", "SUCCEEDED")
_lock = threading.Lock()


def install() -> None:
    replace(DistributedItemProcessorWorker, "_eval_input", _build_eval_input)
    replace(DistributedItemProcessorWorker, "_eval_job", _build_eval_job)
    replace(resource_eval_s3.ResourceEvalS3, "_handle_put_object", _build_put_object)


def begin(env: Environment, record: Any) -> None:
    """Prepare `record` (a MapRunRecord) to collect child results; `env` writes them later."""
    setattr(record, RESULTS_ATTRIBUTE, [])
    setattr(record, _MAP_STATE_ATTRIBUTE, _state_name(env))
    setattr(env, MAP_RUN_ATTRIBUTE, record)


def _state_name(env: Environment) -> str:
    return str((env.states.context_object.context_object_data.get("State") or {}).get("Name", ""))


def _build_eval_input(original: Callable[..., None]) -> Callable[..., None]:
    def eval_input(self: DistributedItemProcessorWorker, env_frame: Environment) -> None:
        original(self, env_frame)
        setattr(env_frame, _INPUT_ATTRIBUTE, copy.deepcopy(env_frame.states.get_input()))

    return eval_input


def _build_eval_job(original: Callable[..., None]) -> Callable[..., None]:
    def eval_job(self: DistributedItemProcessorWorker, env: Environment, job: Any) -> None:
        started = _now(env)
        # Each child execution has its own history on AWS; moto shares one throw-away history
        # between all the children of a Map run, so each gets its own here.
        env.event_manager = EventManager()
        original(self, env, job)
        record = self._map_run_record
        results = getattr(record, RESULTS_ATTRIBUTE, None)
        if results is None:
            return
        child_input = getattr(env, _INPUT_ATTRIBUTE, job.job_input)
        result = child_result(record, job.job_index, child_input, env.program_state(), job.job_output)
        result["StartDate"], result["StopDate"] = _iso(started), _iso(_now(env))
        with _lock:
            results.append(result)
        _track_child(env, record, result)

    return eval_job


def _track_child(env: Environment, record: Any, result: dict[str, Any]) -> None:
    """Hand the child's outcome and history to its localrun run (for traces and pictures)."""
    execution = env.states.context_object.context_object_data.get("Execution") or {}
    run = tracking.run_for(str(execution.get("Id", "")))
    if run is None:
        return
    run.record_map_child(
        tracking.MapChild(
            map_state=getattr(record, _MAP_STATE_ATTRIBUTE, ""),
            index=int(result["_index"]),
            status=str(result["Status"]),
            error=result.get("Error"),
            cause=result.get("Cause"),
            history=tuple(dict(event) for event in env.event_manager.get_event_history()),
        )
    )


def child_result(record: Any, index: int, child_input: Any, state: Any, output: Any) -> dict[str, Any]:
    """One child execution's entry in a result file (without its dates)."""
    name = str(uuid.uuid4())
    result: dict[str, Any] = {
        "_index": index,
        "ExecutionArn": f"{record.map_state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}",
        "Input": json.dumps(child_input, separators=(",", ":")),
        "InputDetails": {"Included": True},
        "Name": name,
        "StateMachineArn": record.map_state_machine_arn,
    }
    if isinstance(state, ProgramEnded):
        result.update(
            Output=json.dumps(output, separators=(",", ":")),
            OutputDetails={"Included": True},
            Status="SUCCEEDED",
        )
        return result
    if isinstance(state, ProgramError):
        details = state.error or {}
        error, cause, status = details.get("error"), details.get("cause"), "FAILED"
    elif isinstance(state, ProgramTimedOut):
        error, cause, status = "States.Timeout", None, "TIMED_OUT"
    elif isinstance(state, ProgramStopped):
        error, cause, status = state.error, state.cause, "ABORTED"
    else:
        error, cause, status = "States.Runtime", "The child execution did not end", "FAILED"
    result.update({key: value for key, value in (("Error", error), ("Cause", cause)) if value is not None})
    result["Status"] = status
    return result


def _now(env: Environment) -> datetime.datetime:
    clock = clock_of(env)
    offset = clock.offset if clock is not None else 0.0
    return datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=offset)


def _iso(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _build_put_object(original: staticmethod) -> staticmethod:  # type: ignore[type-arg]
    def put_object(env: Environment, resource_runtime_part: Any, state_credentials: Any) -> None:
        record = getattr(env, MAP_RUN_ATTRIBUTE, None)
        if record is None or getattr(record, RESULTS_ATTRIBUTE, None) is None:
            original.__func__(env, resource_runtime_part, state_credentials)
            return
        parameters = dict(env.stack.pop())
        env.stack.pop()  # the items' outputs: the result files carry them
        client = resource_eval_s3.ResourceEvalS3._get_s3_client(
            resource_runtime_part=resource_runtime_part, state_credentials=state_credentials
        )
        bucket = parameters["Bucket"]
        details = write_results(client, bucket, parameters.get("Prefix", ""), record)
        env.stack.append({"MapRunArn": record.map_run_arn, "ResultWriterDetails": details})

    return staticmethod(put_object)


def write_results(client: Any, bucket: str, prefix: str, record: Any) -> dict[str, str]:
    """Write the result files and the manifest; return `{"Bucket", "Key"}` of the manifest."""
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    base = f"{prefix}{record.map_run_arn.split(':')[-1]}/"
    groups: dict[str, list[dict[str, Any]]] = {status: [] for status in STATUS_FILES}
    for result in sorted(getattr(record, RESULTS_ATTRIBUTE), key=lambda entry: entry["_index"]):
        entry = {key: value for key, value in result.items() if key != "_index"}
        groups["SUCCEEDED" if entry["Status"] == "SUCCEEDED" else "FAILED"].append(entry)
    files: dict[str, list[dict[str, Any]]] = {status: [] for status in STATUS_FILES}
    for status, entries in groups.items():
        if not entries:
            continue
        key = f"{base}{status}_0.json"
        body = json.dumps(entries).encode("utf-8")
        client.put_object(Bucket=bucket, Key=key, Body=body)
        files[status].append({"Key": key, "Size": len(body)})
    manifest = {"DestinationBucket": bucket, "MapRunArn": record.map_run_arn, "ResultFiles": files}
    key = f"{base}manifest.json"
    client.put_object(Bucket=bucket, Key=key, Body=json.dumps(manifest).encode("utf-8"))
    return {"Bucket": bucket, "Key": key}
