"""moto's Lambda "simple" backend runs registered functions' real handlers instead of echoing.

A function that does not exist is refused as Lambda's Invoke API refuses it: 404
`ResourceNotFoundException` ("Function not found: <arn>"), which a Step Functions task reports as
`Lambda.ResourceNotFoundException`; moto's echo backend answered 200 with the request as payload.
Functions that exist in moto but that localrun did not register keep moto's echo.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from moto.awslambda_simple.models import LambdaSimpleBackend

from localrun import tracking
from localrun.engine.overrides import replace
from localrun.faults import Injection
from localrun.lambda_runtime import InvocationOutcome, LambdaRuntime
from localrun.provision import FunctionSpec

OVERRIDE_KIND = "wiring"
OVERRIDE_TEST = "tests/localrun/engine/test_overrides.py"

_functions: dict[tuple[str, str, str], tuple[FunctionSpec, LambdaRuntime]] = {}
_lock = threading.Lock()


def register_functions(
    account_id: str, region: str, specs: list[FunctionSpec], runtime: LambdaRuntime
) -> None:
    with _lock:
        for spec in specs:
            _functions[(account_id, region, spec.name)] = (spec, runtime)


def unregister_functions(account_id: str, region: str, specs: list[FunctionSpec]) -> None:
    with _lock:
        for spec in specs:
            _functions.pop((account_id, region, spec.name), None)


def _function_name(identifier: str) -> str:
    """`name`, `name:qualifier` or a function ARN, reduced to the function name."""
    if identifier.startswith("arn:"):
        return identifier.split(":")[6]
    return identifier.split(":")[0]


def install() -> None:
    replace(LambdaSimpleBackend, "invoke", _build_invoke)


def _build_invoke(original: Callable[..., Any]) -> Callable[..., Any]:
    def invoke(
        self: LambdaSimpleBackend,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: dict[str, str],
    ) -> bytes | str | None:
        with _lock:
            entry = _functions.get((self.account_id, self.region_name, _function_name(function_name)))
        if entry is None:
            self.get_function(function_name, qualifier)  # UnknownFunctionException: 404, as Lambda
            return original(self, function_name, qualifier, body, headers, response_headers)
        spec, runtime = entry
        invocation_type = headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if invocation_type == "DryRun":
            return b""
        scope = tracking.current_task()
        if invocation_type == "Event":
            worker = threading.Thread(target=_invoke, args=(spec, runtime, body, scope), daemon=True)
            worker.start()
            return b""
        outcome = _invoke(spec, runtime, body, scope)
        if outcome.function_error:
            response_headers["x-amz-function-error"] = outcome.function_error
        response_headers["x-amz-executed-version"] = "$LATEST"
        return outcome.payload

    return invoke


def _invoke(
    spec: FunctionSpec, runtime: LambdaRuntime, body: Any, scope: tracking.TaskScope | None
) -> InvocationOutcome:
    run = scope.run if scope is not None else None
    state = scope.state if scope is not None else None
    injection = run.faults.for_function(spec.matches, state) if run is not None else None
    if injection is not None and injection.fault.in_handler:
        with tracking.task_scope(scope):
            outcome = runtime.invoke(spec, body, raising=injection.fault.error)
    elif injection is not None and not injection.fault.ambiguous:
        outcome = _failed(injection, request_id="injected-fault", duration_ms=0.0, logs="")
    else:
        with tracking.task_scope(scope):
            outcome = runtime.invoke(spec, body)
        if injection is not None:  # the handler ran; its response is lost
            outcome = _failed(
                injection, request_id=outcome.request_id, duration_ms=outcome.duration_ms, logs=outcome.logs
            )
    if run is not None:
        run.record_invocation(
            tracking.Invocation(
                function=spec.name,
                logical_id=spec.logical_id,
                request_id=outcome.request_id,
                state=scope.state if scope is not None else None,
                duration_ms=outcome.duration_ms,
                error_type=outcome.error_type,
                logs=outcome.logs,
                error=outcome.payload.decode(errors="replace") if outcome.function_error else None,
            )
        )
    return outcome


def _failed(injection: Injection, *, request_id: str, duration_ms: float, logs: str) -> InvocationOutcome:
    """The invocation as the caller sees it when `injection` fires: an unhandled function error."""
    return InvocationOutcome(
        payload=json.dumps({"errorType": injection.fault.error, "errorMessage": injection.cause}).encode(),
        function_error="Unhandled",
        error_type=injection.fault.error,
        request_id=request_id,
        duration_ms=duration_ms,
        logs=logs,
    )
