"""In-process Lambda runtime: per-function sandboxes, isolated environment, context, error contract."""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from localrun.lambda_runtime import LambdaRuntime
from localrun.provision import FunctionSpec

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lambdas"


def spec(handler: str, name: str = "fn", **environment: str) -> FunctionSpec:
    return FunctionSpec(
        logical_id=f"{name}Logical",
        construct_path=f"{name}/Function/Resource",
        name=name,
        arn=f"arn:aws:lambda:eu-west-1:123456789012:function:{name}",
        handler=f"kitchen.{handler}",
        runtime="python3.13",
        source_root=FIXTURES,
        environment=environment,
        memory_mb=256,
        timeout_seconds=30,
        log_group=f"/aws/lambda/{name}",
    )


def invoke(runtime: LambdaRuntime, function: FunctionSpec, event: Any = None) -> tuple[Any, str | None]:
    outcome = runtime.invoke(function, json.dumps(event or {}).encode())
    return json.loads(outcome.payload), outcome.error_type


@pytest.fixture
def runtime() -> LambdaRuntime:
    return LambdaRuntime(region="eu-west-1")


def test_handler_sees_its_environment_and_nothing_leaks(runtime: LambdaRuntime) -> None:
    payload, error = invoke(runtime, spec("probes.environment", GREETING="hi"))

    assert error is None
    assert payload == {
        "greeting": "hi",
        "importedWith": "hi",
        "functionName": "fn",
        "region": "eu-west-1",
        "traceDisabled": "true",
        "written": "yes",
    }
    assert "GREETING" not in os.environ
    assert "WRITTEN_BY_HANDLER" not in os.environ


def test_each_function_imports_its_own_modules(runtime: LambdaRuntime) -> None:
    first, _ = invoke(runtime, spec("probes.environment", "first", GREETING="one"))
    second, _ = invoke(runtime, spec("probes.environment", "second", GREETING="two"))

    assert (first["importedWith"], second["importedWith"]) == ("one", "two")


def test_context_is_realistic(runtime: LambdaRuntime) -> None:
    payload, _ = invoke(runtime, spec("probes.context_fields"))

    assert payload["functionName"] == "fn"
    assert payload["arn"] == "arn:aws:lambda:eu-west-1:123456789012:function:fn"
    assert payload["memory"] == "256"
    assert payload["logGroup"] == "/aws/lambda/fn"
    assert len(payload["requestId"]) == 36
    assert 0 < payload["remaining"] <= 30_000


def test_output_is_captured_as_the_invocation_logs(runtime: LambdaRuntime, capsys: Any) -> None:
    outcome = runtime.invoke(spec("probes.chatty", POWERTOOLS_SERVICE_NAME="kitchen"), b"{}")

    assert "plain print" in outcome.logs
    logged = json.loads(outcome.logs.splitlines()[1])
    assert (logged["message"], logged["service"], logged["key"]) == ("structured log", "kitchen", "value")
    assert "plain print" not in capsys.readouterr().out


def test_exception_follows_the_lambda_error_contract(runtime: LambdaRuntime) -> None:
    outcome = runtime.invoke(spec("probes.declines"), b"{}")
    payload = json.loads(outcome.payload)

    assert outcome.function_error == "Unhandled"
    assert payload["errorType"] == "PaymentDeclined"
    assert payload["errorMessage"] == "card declined"
    assert payload["requestId"] == outcome.request_id
    assert any("declines" in frame for frame in payload["stackTrace"])


@pytest.mark.parametrize(
    ("handler", "error_type"),
    [
        ("probes.unserializable", "Runtime.MarshalError"),
        ("broken.handler", "Runtime.ImportModuleError"),
        ("probes.missing", "Runtime.HandlerNotFound"),
    ],
)
def test_runtime_errors_use_lambda_error_types(runtime: LambdaRuntime, handler: str, error_type: str) -> None:
    payload, error = invoke(runtime, spec(handler))

    assert error == error_type
    assert payload["errorType"] == error_type


def test_functions_without_python_source_cannot_run(runtime: LambdaRuntime) -> None:
    node = FunctionSpec(**{**spec("x").__dict__, "runtime": "nodejs20.x", "source_root": None})

    _, error = invoke(runtime, node)

    assert error == "Runtime.Unavailable"


def test_threads_a_handler_starts_share_its_environment_and_logs(runtime: LambdaRuntime) -> None:
    outcome = runtime.invoke(spec("probes.threaded", GREETING="hi"), b"{}")
    payload = json.loads(outcome.payload)

    assert outcome.error_type is None, payload
    assert (payload["thread"], payload["pool"], payload["writtenInPool"]) == ("hi", "hi", "yes")
    assert "printed from thread" in outcome.logs and "printed from pool" in outcome.logs
    assert "WRITTEN_IN_POOL" not in os.environ


def test_a_pool_that_outlives_an_invocation_serves_the_next_with_its_state(runtime: LambdaRuntime) -> None:
    function = spec("probes.threaded", GREETING="hi")
    first = json.loads(runtime.invoke(function, b"{}").payload)
    second = json.loads(runtime.invoke(function, b"{}").payload)

    assert first["sharedPoolStream"] == first["stream"]
    assert second["sharedPoolStream"] == second["stream"] != first["stream"]


def test_concurrent_invocations_keep_their_threads_apart(runtime: LambdaRuntime) -> None:
    functions = [spec("probes.threaded", f"fn{n}", GREETING=f"hello-{n}") for n in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        payloads = list(pool.map(lambda f: invoke(runtime, f, {"pause": 0.02})[0], functions))

    assert [(p["thread"], p["pool"]) for p in payloads] == [(f"hello-{n}", f"hello-{n}") for n in range(4)]


def test_threads_the_emulated_services_start_do_not_inherit_a_handler_state() -> None:
    from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent

    from localrun.isolation import _started_by_emulator

    assert _started_by_emulator(threading.Thread(target=EvalComponent.eval))
    assert not _started_by_emulator(threading.Thread(target=print))
    assert not _started_by_emulator(threading.Thread(target=lambda: None))
