"""Run a Lambda function's real Python handler in-process, the way the Lambda runtime would.

Each function runs in sandboxes, as on Lambda: a sandbox serves one invocation at a time and
keeps its module state between invocations (warm starts); an invocation that finds every sandbox
of its function busy gets a new one (a cold start), so concurrent invocations never share module
state ("Understanding the Lambda execution environment lifecycle", Lambda Developer Guide). A
sandbox has its own copy of the project modules its function imports (its package and `shared`),
loaded with its environment (`TABLE = os.environ["TABLE_NAME"]`, boto3 clients), its own copy of
the packages that keep per-process state (`SANDBOX_PACKAGES`: Powertools' Metrics, Logger and
Tracer hold class-level state) and its own named loggers (`isolation.SandboxLoggers`). Other
third-party packages are shared by the process.
Errors follow Lambda's contract: the response is `{"errorType", "errorMessage", ...}` with
`FunctionError: Unhandled`, so Step Functions Retry/Catch see the exception's class name.
An in-handler fault (`invoke(..., raising=NAME)`) makes the handler raise the exception class
that NAME denotes in the sandbox's own modules (the handler module first, then the project modules
it imported): the reported `errorType` is that class's `__name__`, so a class renamed behind an
alias reports its new name, as it would on Lambda.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import sys
import sysconfig
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from localrun.isolation import SandboxLoggers, invocation_scope
from localrun.provision import FunctionSpec
from localrun.template import LAMBDAS_ROOT, PROJECT_ROOT

Handler = Callable[[Any, Any], Any]
_import_lock = threading.RLock()
# Loaded again in every sandbox: they keep state for the whole process (class attributes,
# module globals) that on Lambda belongs to one execution environment.
SANDBOX_PACKAGES = ("aws_lambda_powertools",)

LOCAL_OVERRIDES = {
    # No X-Ray daemon locally: Powertools Tracer becomes a no-op, as in unit tests.
    "POWERTOOLS_TRACE_DISABLED": "true",
}


@dataclass
class LambdaContext:
    """The context object the Python runtime passes as the handler's second argument."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: str
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline_monotonic: float
    identity: Any = None
    client_context: Any = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline_monotonic - time.monotonic()) * 1000))


@dataclass(frozen=True)
class InvocationOutcome:
    """The raw result of one invocation: the response payload and Lambda's FunctionError."""

    payload: bytes
    function_error: str | None
    error_type: str | None
    request_id: str
    duration_ms: float
    logs: str


class HandlerLoadError(Exception):
    """The handler could not be imported or found (Lambda's Runtime.* init errors)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


@dataclass
class Sandbox:
    """One execution environment of a function: its handler, module copies and loggers."""

    loggers: SandboxLoggers
    handler: Handler | None = None
    modules: dict[str, ModuleType] = field(default_factory=dict)


@dataclass
class LambdaRuntime:
    """Loads and invokes the handlers of one runner's functions, each in a pool of sandboxes."""

    region: str
    idle: dict[str, list[Sandbox]] = field(default_factory=dict)
    _pool_lock: threading.Lock = field(default_factory=threading.Lock)

    def invoke(
        self, spec: FunctionSpec, event: bytes | str | None, *, raising: str | None = None
    ) -> InvocationOutcome:
        """Invoke the handler; with `raising`, the handler raises that exception class instead."""
        request_id = str(uuid.uuid4())
        environment = self._environment(spec, request_id)
        sandbox = self._acquire(spec)
        started = time.monotonic()
        try:
            with invocation_scope(environment, sandbox.loggers) as output:
                payload, error_type = self._run(
                    spec, sandbox, event, request_id, environment, started, raising
                )
                logs = output.getvalue()
        finally:
            self._release(spec, sandbox)
        duration_ms = (time.monotonic() - started) * 1000
        if error_type is None and duration_ms > spec.timeout_seconds * 1000:
            error_type = "Sandbox.Timedout"
            payload = _error_payload(
                error_type,
                f"RequestId: {request_id} Error: Task timed out after {spec.timeout_seconds:.2f} seconds",
                request_id,
            )
        return InvocationOutcome(
            payload=payload,
            function_error="Unhandled" if error_type else None,
            error_type=error_type,
            request_id=request_id,
            duration_ms=duration_ms,
            logs=logs,
        )

    def reset(self) -> None:
        """Discard every sandbox (the next invocations start cold)."""
        with self._pool_lock:
            self.idle.clear()

    def _acquire(self, spec: FunctionSpec) -> Sandbox:
        """A warm idle sandbox of the function (the most recently used), or a new one."""
        with self._pool_lock:
            pool = self.idle.get(spec.name)
            if pool:
                return pool.pop()
        return Sandbox(loggers=SandboxLoggers(_sandbox_module_check(spec)))

    def _release(self, spec: FunctionSpec, sandbox: Sandbox) -> None:
        if sandbox.handler is None:
            return  # its init failed: Lambda starts the next invocation in a new sandbox
        with self._pool_lock:
            self.idle.setdefault(spec.name, []).append(sandbox)

    def _run(
        self,
        spec: FunctionSpec,
        sandbox: Sandbox,
        event: bytes | str | None,
        request_id: str,
        environment: Mapping[str, str],
        started: float,
        raising: str | None = None,
    ) -> tuple[bytes, str | None]:
        try:
            if sandbox.handler is None:
                with _import_lock:
                    sandbox.handler = _load(spec, environment, sandbox.loggers, sandbox.modules)
            handler = sandbox.handler
            if raising is not None:
                handler = _raiser(spec, sandbox, raising)
        except HandlerLoadError as error:
            return _error_payload(error.error_type, str(error), request_id), error.error_type
        context = LambdaContext(
            function_name=spec.name,
            function_version="$LATEST",
            invoked_function_arn=spec.arn,
            memory_limit_in_mb=str(spec.memory_mb),
            aws_request_id=request_id,
            log_group_name=spec.log_group,
            log_stream_name=environment["AWS_LAMBDA_LOG_STREAM_NAME"],
            deadline_monotonic=started + spec.timeout_seconds,
        )
        try:
            result = handler(_decode(event), context)
        except Exception as error:
            error_type = type(error).__name__
            trace = sandbox_stack_trace(error, spec)
            return _error_payload(error_type, str(error), request_id, trace), error_type
        if isinstance(result, bytes):
            return result, None  # the Python runtime sends bytes as they are (application/unknown)
        try:
            return json.dumps(result).encode(), None
        except (TypeError, ValueError) as error:
            error_type = "Runtime.MarshalError"
            message = f"Unable to marshal response: {error}"
            return _error_payload(error_type, message, request_id), error_type

    def _environment(self, spec: FunctionSpec, request_id: str) -> dict[str, str]:
        runtime = spec.runtime
        return {
            **spec.environment,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{time.strftime('%Y/%m/%d')}/[$LATEST]{request_id[:8]}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
            "LAMBDA_TASK_ROOT": str(spec.source_root or ""),
            "_HANDLER": spec.handler,
            "TZ": ":UTC",
            **LOCAL_OVERRIDES,
        }


def _code_roots(spec: FunctionSpec) -> list[Path]:
    return [root for root in (spec.source_root, LAMBDAS_ROOT.resolve()) if root is not None]


def _sandbox_module_check(spec: FunctionSpec) -> Callable[[str, str | None], bool]:
    """Which modules belong to a sandbox of `spec`: its code roots' modules and SANDBOX_PACKAGES."""
    prefixes = tuple(f"{root}{os.sep}" for root in _code_roots(spec))

    def owns(module_name: str, module_file: str | None) -> bool:
        if module_name.partition(".")[0] in SANDBOX_PACKAGES:
            return True
        return isinstance(module_file, str) and module_file.startswith(prefixes)

    return owns


def _raiser(spec: FunctionSpec, sandbox: Sandbox, name: str) -> Handler:
    """A handler that raises the exception class `name` denotes in the sandbox's modules."""
    handler_module = spec.handler.rpartition(".")[0]
    ordered = sorted(sandbox.modules.items(), key=lambda item: (item[0] != handler_module, item[0]))
    for _, module in ordered:
        found = module.__dict__.get(name)
        if isinstance(found, type) and issubclass(found, Exception):
            return functools.partial(_raise, found, name)
    raise HandlerLoadError(
        "Localrun.UnknownExceptionClass",
        f"no exception class named {name!r} in {spec.logical_id}'s modules "
        f"({', '.join(sorted(sandbox.modules))})",
    )


def _raise(error_class: type[Exception], name: str, event: Any, context: Any) -> Any:
    raise error_class(f"Fault injected by localrun: the handler raised {name}")


def _load(
    spec: FunctionSpec,
    environment: Mapping[str, str],
    loggers: SandboxLoggers,
    modules: dict[str, ModuleType] | None = None,
) -> Handler:
    """Import the handler module from the function's code roots into a private module set (kept
    in `modules`, name to module, when given)."""
    if spec.source_root is None or not spec.runtime.startswith("python"):
        raise HandlerLoadError(
            "Runtime.Unavailable",
            f"{spec.logical_id} ({spec.runtime}) has no Python source known to localrun "
            "(Stepwise:Source metadata); it cannot run locally",
        )
    module_name, _, function_name = spec.handler.rpartition(".")
    roots = _code_roots(spec)
    prefixes = tuple(f"{root}{os.sep}" for root in roots)
    saved = {name: module for name, module in list(sys.modules.items()) if _private(name, module, prefixes)}
    for name in saved:
        del sys.modules[name]
    original_path = list(sys.path)
    sys.path[:0] = [str(root) for root in roots]
    try:
        with invocation_scope(environment, loggers):
            module = importlib.import_module(module_name)
    except ImportError as error:
        raise HandlerLoadError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}"
        ) from error
    except Exception as error:
        raise HandlerLoadError(
            f"Runtime.{type(error).__name__}", f"Init error in '{module_name}': {error}"
        ) from error
    finally:
        for name in [name for name, mod in list(sys.modules.items()) if _private(name, mod, prefixes)]:
            if modules is not None and _under(sys.modules[name], prefixes):
                modules[name] = sys.modules[name]
            del sys.modules[name]
        sys.modules.update(saved)
        sys.path[:] = original_path + [str(root) for root in roots if str(root) not in original_path]
    handler = getattr(module, function_name, None)
    if not callable(handler):
        raise HandlerLoadError(
            "Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'"
        )
    return handler


def _private(name: str, module: ModuleType | None, prefixes: tuple[str, ...]) -> bool:
    """True for the modules each sandbox loads for itself: project code and SANDBOX_PACKAGES."""
    return name.partition(".")[0] in SANDBOX_PACKAGES or _under(module, prefixes)


def _under(module: ModuleType | None, prefixes: tuple[str, ...]) -> bool:
    """True if the module was loaded from under one of `prefixes` (a project module, not a library).

    Reads `__file__`/`__path__` from the module's namespace, where the import system puts them,
    so a module-level `__getattr__` (lazy modules) is not run for each of the process's modules.
    """
    namespace = getattr(module, "__dict__", None)
    if isinstance(namespace, dict):
        file, path = namespace.get("__file__"), namespace.get("__path__")
    else:
        file, path = getattr(module, "__file__", None), None
    if isinstance(file, str) and file.startswith(prefixes):
        return True
    try:
        return any(str(location).startswith(prefixes) for location in path or ())
    except Exception:
        return False


def _decode(event: bytes | str | None) -> Any:
    if event is None or event == b"" or event == "":
        return {}
    text = event.decode() if isinstance(event, bytes) else event
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _error_payload(
    error_type: str, message: str, request_id: str, stack_trace: list[str] | None = None
) -> bytes:
    """The error response as the Python runtime writes it (`json.dumps` separators: `", "`)."""
    body: dict[str, Any] = {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": stack_trace or [],
    }
    return json.dumps(body).encode()


def sandbox_stack_trace(error: BaseException, spec: FunctionSpec) -> list[str]:
    """The error's traceback as the Python runtime reports it: from the handler's frame on
    (localrun's frames dropped, as the runtime drops its bootstrap's), each file at its path in
    the sandbox: the function's code and bundled packages under `/var/task`, the standard library
    under `/var/lang/lib/pythonX.Y`."""
    frames = [
        traceback.FrameSummary(_sandbox_path(frame.filename, spec), frame.lineno, frame.name, line=frame.line)
        for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.startswith(_LOCALRUN_PREFIX)
    ]
    return traceback.format_list(frames)


_LOCALRUN_PREFIX = f"{Path(__file__).resolve().parent}{os.sep}"
_STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()


def _sandbox_path(filename: str, spec: FunctionSpec) -> str:
    path = Path(filename).resolve()
    for root in _code_roots(spec):
        if path.is_relative_to(root):
            return f"/var/task/{path.relative_to(root).as_posix()}"
    if "site-packages" in path.parts:
        index = len(path.parts) - 1 - path.parts[::-1].index("site-packages")
        return "/var/task/" + "/".join(path.parts[index + 1 :])
    if path.is_relative_to(_STDLIB):
        version = spec.runtime.removeprefix("python") or "3"
        return f"/var/lang/lib/python{version}/{path.relative_to(_STDLIB).as_posix()}"
    if path.is_relative_to(PROJECT_ROOT):
        return f"/var/task/{path.relative_to(PROJECT_ROOT).as_posix()}"
    return f"/var/task/{path.name}"
