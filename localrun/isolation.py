"""Per-invocation process state for in-process Lambda invocations: environment variables and stdout.

Executions run on moto's daemon threads, several at a time (Parallel, Map). Each invocation gets
its own view of `os.environ` (the function's variables over the process environment; writes stay
in the invocation) and its own stdout/stderr buffer (what Lambda would send to CloudWatch Logs).

The invocation's state lives in a context variable, so it follows the work the handler starts, as
in a Lambda sandbox where every thread shares the process environment:
- a thread started while an invocation is active runs in a copy of the starter's context (it sees
  the same environment overlay, writes into it, and prints into the invocation's logs);
- a callable submitted to a `ThreadPoolExecutor` runs in a copy of the submitter's context, so a
  pool whose worker threads outlive one invocation still serves the next with the right state;
- asyncio tasks copy the context by themselves.
Threads that moto or localrun start for the emulated services (execution workers, async Lambda
invocations) do not inherit a handler's state: on AWS that work runs elsewhere. Concurrent
invocations never see each other's state, and nothing is serialized by a process-wide lock.
Threads without an active invocation see and change the real process state as usual.

Named loggers too: `logging.getLogger(name)` called from a sandbox's own modules (see
`SandboxLoggers`) returns a logger private to that sandbox, as each Lambda sandbox is a process
with its own logging registry; Powertools' Logger keeps its handler, formatter and appended keys
on the named logger, so two sandboxes of one service would otherwise share them.
"""

from __future__ import annotations

import contextvars
import functools
import io
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

from localrun.engine.overrides import renew, replace

OVERRIDE_KIND = "isolation"
OVERRIDE_TEST = "tests/localrun/test_lambda_sandboxes.py"

_REMOVED = object()
_EMULATOR_MODULES = ("moto.", "localrun.")


class SandboxLoggers:
    """The logging registry of one sandbox: the named loggers its own modules ask for.

    `owns(module_name, module_file)` tells which calling modules belong to the sandbox; loggers
    asked for by anything else (libraries shared by the process, moto) stay process-wide.
    """

    def __init__(self, owns: Callable[[str, str | None], bool]) -> None:
        self.manager = logging.Manager(logging.root)
        self.owns = owns


@dataclass
class InvocationState:
    """What one invocation sees instead of the process state: environment overlay, output, loggers."""

    environ: dict[str, Any]
    output: io.StringIO = field(default_factory=io.StringIO)
    loggers: SandboxLoggers | None = None


_current: contextvars.ContextVar[InvocationState | None] = contextvars.ContextVar(
    "localrun_invocation", default=None
)


def current() -> InvocationState | None:
    """The invocation active in this context (thread, pool task or asyncio task), if any."""
    return _current.get()


class ThreadEnviron(MutableMapping[str, str]):
    """`os.environ` stand-in: an invocation's overlay where one is active, the real environment elsewhere."""

    def __init__(self, base: MutableMapping[str, str]) -> None:
        self.base = base

    @staticmethod
    def _overlay() -> dict[str, Any] | None:
        state = _current.get()
        return None if state is None else state.environ

    def __getitem__(self, key: str) -> str:
        overlay = self._overlay()
        if overlay is not None and key in overlay:
            value = overlay[key]
            if value is _REMOVED:
                raise KeyError(key)
            return str(value)
        return self.base[key]

    def __setitem__(self, key: str, value: str) -> None:
        overlay = self._overlay()
        if overlay is None:
            self.base[key] = value
        else:
            overlay[key] = value

    def __delitem__(self, key: str) -> None:
        overlay = self._overlay()
        if overlay is None:
            del self.base[key]
            return
        if key not in self:
            raise KeyError(key)
        overlay[key] = _REMOVED

    def _keys(self) -> list[str]:
        overlay = self._overlay()
        keys = dict.fromkeys(self.base)
        if overlay is not None:
            keys.update(dict.fromkeys(overlay))
            return [key for key in keys if overlay.get(key) is not _REMOVED]
        return list(keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def copy(self) -> dict[str, str]:
        return dict(self.items())

    def __repr__(self) -> str:
        return f"ThreadEnviron({self.copy()!r})"


class ThreadStream(io.TextIOBase):
    """stdout/stderr stand-in: writes go to the active invocation's buffer."""

    def __init__(self, fallback: TextIO, name: str) -> None:
        self.fallback = fallback
        self.stream_name = name

    def _target(self) -> TextIO:
        state = _current.get()
        return state.output if state is not None else self.fallback

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        return False

    def close(self) -> None:
        """A proxy owns no stream: closing it (e.g. when it is collected) leaves its targets alone."""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"


def install() -> None:
    """Put the invocation-aware environ, streams, thread start-up and loggers in place (idempotent)."""
    replace(os, "environ", ThreadEnviron)
    ensure_streams()
    replace(threading.Thread, "start", _inheriting_start)
    replace(ThreadPoolExecutor, "submit", _context_submit)
    replace(logging, "getLogger", _sandbox_get_logger)


def _started_by_emulator(thread: threading.Thread) -> bool:
    """True for threads moto or localrun start on behalf of an emulated service."""
    target = getattr(thread, "_target", None) or type(thread).run
    module = getattr(target, "__module__", None) or ""
    return module.startswith(_EMULATOR_MODULES)


def _inheriting_start(original: Callable[[threading.Thread], None]) -> Callable[[threading.Thread], None]:
    def start(self: threading.Thread) -> None:
        if _current.get() is not None and not _started_by_emulator(self):
            context = contextvars.copy_context()
            run = self.run
            self.run = lambda: context.run(run)  # type: ignore[method-assign]
        original(self)

    start.__wrapped__ = original  # type: ignore[attr-defined]
    return start


def _context_submit(original: Callable[..., Future[Any]]) -> Callable[..., Future[Any]]:
    def submit(self: ThreadPoolExecutor, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        context = contextvars.copy_context()
        return original(self, context.run, fn, *args, **kwargs)

    submit.__wrapped__ = original  # type: ignore[attr-defined]
    return submit


def _sandbox_get_logger(original: Callable[..., logging.Logger]) -> Callable[..., logging.Logger]:
    def get_logger(name: str | None = None) -> logging.Logger:
        state = _current.get()
        loggers = state.loggers if state is not None else None
        if loggers is None or not name or name == logging.root.name:
            return original(name)
        caller = sys._getframe(1).f_globals
        if not loggers.owns(caller.get("__name__", ""), caller.get("__file__")):
            return original(name)
        return loggers.manager.getLogger(name)

    get_logger.__wrapped__ = original  # type: ignore[attr-defined]
    return get_logger


def ensure_streams() -> None:
    """Re-install the stream proxies if someone (e.g. a test harness) replaced sys.stdout/stderr."""
    for name in ("stdout", "stderr"):
        renew(sys, name, functools.partial(_stream_proxy, name=name))


def _stream_proxy(current_stream: TextIO, name: str) -> TextIO:
    return current_stream if isinstance(current_stream, ThreadStream) else ThreadStream(current_stream, name)


@contextmanager
def invocation_scope(
    environment: Mapping[str, str], loggers: SandboxLoggers | None = None
) -> Iterator[io.StringIO]:
    """Within the block (and in the threads it starts), `environment` overlays os.environ, output
    is captured and the sandbox's modules get their loggers from `loggers`."""
    install()
    ensure_streams()
    state = InvocationState(environ=dict(environment), loggers=loggers)
    token = _current.set(state)
    try:
        yield state.output
    finally:
        _current.reset(token)
