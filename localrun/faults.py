"""Fault injection: make a named state or Lambda function fail with a given error N times."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_SPEC = re.compile(r"^(?P<target>[^=]+)=(?P<error>[^:]+)(?::(?P<times>\d+))?$")


@dataclass(frozen=True)
class Fault:
    """Fail `times` attempts of a state (by name) or of a function (logical id, name, handler or
    construct id) with `error`; `times=None` fails every attempt."""

    error: str
    state: str | None = None
    function: str | None = None
    cause: str | None = None
    times: int | None = 1

    def __post_init__(self) -> None:
        if (self.state is None) == (self.function is None):
            raise ValueError("a Fault names exactly one of state= or function=")
        if self.times is not None and self.times < 1:
            raise ValueError("Fault.times must be at least 1 (or None for always)")

    @property
    def target(self) -> str:
        return self.state if self.state is not None else str(self.function)

    def describe_cause(self, attempt: int) -> str:
        if self.cause:
            return self.cause
        limit = "always" if self.times is None else f"{attempt}/{self.times}"
        return f"Fault injected by localrun ({limit})"

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """`STATE=ERROR[:N]` (CLI form); prefix the target with `fn:` to fail a function instead."""
        match = _SPEC.match(spec.strip())
        if match is None:
            raise ValueError(f"bad fault {spec!r}: expected STATE=ERROR[:N] or fn:FUNCTION=ERROR[:N]")
        target, error = match.group("target").strip(), match.group("error").strip()
        times = int(match.group("times")) if match.group("times") else 1
        if target.startswith("fn:"):
            return cls(error=error, function=target.removeprefix("fn:"), times=times)
        return cls(error=error, state=target, times=times)


@dataclass(frozen=True)
class Injection:
    """A fault that fired: which fault, and the attempt number it fired on."""

    fault: Fault
    attempt: int

    @property
    def cause(self) -> str:
        return self.fault.describe_cause(self.attempt)


class FaultPlan:
    """The faults of one run, with how often each has fired (shared by child executions)."""

    def __init__(self, faults: Iterable[Fault] = ()) -> None:
        self.faults = tuple(faults)
        self._fired = [0] * len(self.faults)
        self._lock = threading.Lock()

    def for_state(self, state_name: str) -> Injection | None:
        return self._take(lambda fault: fault.state == state_name)

    def for_function(self, matches: Callable[[str], bool]) -> Injection | None:
        """`matches(target)` decides whether a function fault names the invoked function."""
        return self._take(lambda fault: fault.function is not None and matches(fault.function))

    def _take(self, applies: Callable[[Fault], bool]) -> Injection | None:
        with self._lock:
            for index, fault in enumerate(self.faults):
                if not applies(fault):
                    continue
                if fault.times is not None and self._fired[index] >= fault.times:
                    continue
                self._fired[index] += 1
                return Injection(fault=fault, attempt=self._fired[index])
        return None

    def fired(self) -> dict[Fault, int]:
        with self._lock:
            return dict(zip(self.faults, self._fired, strict=True))
