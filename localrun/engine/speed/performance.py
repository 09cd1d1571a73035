"""Remove moto's per-execution overheads that do not change behaviour.

- Parsing: moto parses a definition with ANTLR when the state machine is created and again on
  every execution (~35 ms for ten states; seconds for the first parse in a process). localrun
  parses each distinct definition once per process and gives every execution its own copy of the
  program (unpickled, ~1 ms), so no component object is shared between executions.
- boto3 clients: the interpreter builds a new client for every task (~7 ms). localrun reuses one
  client per (service, region); the interpreter's clients carry fixed credentials anyway.
- JSONPath: every path evaluation built a new jsonpath-ng parser (~1 ms, ~18 per ten-state run).
  Parsed paths are immutable, so localrun keeps them per expression.
- botocore and moto: service models, endpoint data and endpoint rule sets are parsed once per
  process, not once per session or client, and moto's S3 URL table is not re-imported per request
  (`engine/speed/shared_caches.py`); KMS key pairs and EC2's default AMIs are made when first used
  (`engine/speed/deferred.py`).
"""

from __future__ import annotations

import functools
import importlib
import pickle
import threading
from collections.abc import Callable
from typing import Any

from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.utils import boto_client, json_path
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from localrun.engine.overrides import replace
from localrun.engine.speed import deferred, shared_caches

OVERRIDE_KIND = "speed"
OVERRIDE_TEST = "tests/localrun/test_runner.py"

_SERVICE_MODULES = [
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval.resource_eval_s3",
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_unsupported",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_events",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sqs",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sns",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk",
]

_programs: dict[str, bytes | None] = {}
_programs_lock = threading.Lock()
_clients: dict[tuple[Any, ...], Any] = {}
_clients_lock = threading.Lock()


def install() -> None:
    shared_caches.install()
    deferred.install()
    replace(StepFunctionsParserBackend, "_validate_definition", _build_validate)
    replace(ExecutionWorker, "_get_evaluation_entrypoint", _build_entrypoint)
    for module_name in _SERVICE_MODULES:
        module = importlib.import_module(module_name)
        replace(module, "boto_client_for", _build_client_factory)
    replace(boto_client, "boto_client_for", _build_client_factory)
    replace(json_path, "parse", _build_path_cache)
    replace(result_path, "parse", _build_path_cache)


def _remember(definition: str, program: EvalComponent) -> None:
    try:
        serialized: bytes | None = pickle.dumps(program)
    except Exception:
        serialized = None  # not picklable: this definition is parsed for every execution
    with _programs_lock:
        _programs[definition] = serialized


def _cached(definition: str) -> EvalComponent | None:
    with _programs_lock:
        serialized = _programs.get(definition)
    return None if serialized is None else pickle.loads(serialized)


def _build_validate(original: staticmethod) -> staticmethod:  # type: ignore[type-arg]
    validate = original.__func__

    def validate_definition(definition: str) -> None:
        with _programs_lock:
            if definition in _programs:
                return
        try:
            program = AmazonStateLanguageParser.parse(definition)[0]
        except Exception:
            validate(definition)  # moto's own error translation (InvalidDefinition)
            raise
        _remember(definition, program)

    return staticmethod(validate_definition)


def _build_entrypoint(original: Callable[[ExecutionWorker], EvalComponent]) -> Callable[..., EvalComponent]:
    def entrypoint(self: ExecutionWorker) -> EvalComponent:
        definition = self._evaluation_details.state_machine_details.definition
        program = _cached(definition)
        if program is None:
            program = original(self)
            _remember(definition, program)
        return program

    return entrypoint


def _build_path_cache(original: Callable[[str], Any]) -> Callable[[str], Any]:
    return functools.lru_cache(maxsize=4096)(original)


def _build_client_factory(original: Callable[..., Any]) -> Callable[..., Any]:
    def client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        key = (region, service, boto_client.botocore_stubber.enabled)
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = original(region=region, service=service, state_credentials=state_credentials)
                _clients[key] = client
        return client

    return client_for
