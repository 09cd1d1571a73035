"""Per-thread process state for in-process Lambda invocations: environment variables and stdout.

Executions run on moto's daemon threads, several at a time (Parallel, Map). Each invocation gets
its own view of `os.environ` (the function's variables over the process environment; writes stay
in the invocation) and its own stdout/stderr buffer (what Lambda would send to CloudWatch Logs).
Threads without an active invocation see and change the real process state as usual.
"""

from __future__ import annotations

import io
import os
import sys
import threading
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any, TextIO

_local = threading.local()
_install_lock = threading.Lock()
_REMOVED = object()


class ThreadEnviron(MutableMapping[str, str]):
    """`os.environ` stand-in: an invocation's overlay on its thread, the real environment elsewhere."""

    def __init__(self, base: MutableMapping[str, str]) -> None:
        self.base = base

    @staticmethod
    def _overlay() -> dict[str, Any] | None:
        return getattr(_local, "environ", None)

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
    """stdout/stderr stand-in: writes go to the invocation's buffer on its thread."""

    def __init__(self, fallback: TextIO, name: str) -> None:
        self.fallback = fallback
        self.stream_name = name

    def _target(self) -> TextIO:
        buffer = getattr(_local, "output", None)
        return buffer if buffer is not None else self.fallback

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"


def install() -> None:
    """Put the thread-aware environ and streams in place (idempotent)."""
    with _install_lock:
        if not isinstance(os.environ, ThreadEnviron):
            # Replaces the mapping object on purpose (B003): the variables stay in the base.
            os.environ = ThreadEnviron(os.environ)  # type: ignore[assignment]  # noqa: B003
        for name in ("stdout", "stderr"):
            current = getattr(sys, name)
            if not isinstance(current, ThreadStream):
                setattr(sys, name, ThreadStream(current, name))


def ensure_streams() -> None:
    """Re-install the stream proxies if someone (e.g. a test harness) replaced sys.stdout/stderr."""
    for name in ("stdout", "stderr"):
        current = getattr(sys, name)
        if not isinstance(current, ThreadStream):
            with _install_lock:
                setattr(sys, name, ThreadStream(current, name))


@contextmanager
def invocation_scope(environment: Mapping[str, str]) -> Iterator[io.StringIO]:
    """Within the block, this thread sees `environment` over os.environ and its output is captured."""
    install()
    ensure_streams()
    previous = (getattr(_local, "environ", None), getattr(_local, "output", None))
    output = io.StringIO()
    _local.environ = dict(environment)
    _local.output = output
    try:
        yield output
    finally:
        _local.environ, _local.output = previous
