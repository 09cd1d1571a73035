"""Fault injection: make a named state or Lambda function fail with a given error N times.

Two kinds of fault:
- a plain fault fails the task *before* its effect (the request never reached the service);
- an ambiguous fault (`ambiguous=True`) lets the call happen for real, then fails the task with
  the error as if the response had been lost: the handler ran (the card was charged) or AWS
  accepted the SDK call, but Step Functions saw `Lambda.ServiceException`, a timeout, a 5xx. On
  AWS this is the dangerous case: a retry repeats an effect that already happened, and a catch
  path compensates for an effect it may believe never happened;
- an in-handler fault (`in_handler=True`, Lambda tasks only) runs the invocation with the handler
  raising the exception class its own code names `error` (resolved in the sandbox's modules), so
  the `errorType` Step Functions sees is that class's own name, as the Lambda runtime reports it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_SPEC = re.compile(r"^(?P<target>[^=]+)=(?P<error>[^:]+)(?::(?P<times>\d+))?$")
AMBIGUOUS_CAUSE = "the call took effect but its response was lost"


@dataclass(frozen=True)
class Fault:
    """Fail `times` attempts of a state (by name) or of a function (logical id, name, handler or
    construct id) with `error`; `times=None` fails every attempt. With `ambiguous`, each failed
    attempt first performs the call for real (the effect happens, the response is lost)."""

    error: str
    state: str | None = None
    function: str | None = None
    cause: str | None = None
    times: int | None = 1
    ambiguous: bool = False
    in_handler: bool = False

    def __post_init__(self) -> None:
        if (self.state is None) == (self.function is None):
            raise ValueError("a Fault names exactly one of state= or function=")
        if self.in_handler and self.ambiguous:
            raise ValueError("a Fault is in_handler (the handler raises) or ambiguous, not both")
        if self.in_handler and not self.error.isidentifier():
            raise ValueError(f"an in_handler Fault names an exception class, not {self.error!r}")
        if self.times is not None and self.times < 1:
            raise ValueError("Fault.times must be at least 1 (or None for always)")

    @property
    def target(self) -> str:
        return self.state if self.state is not None else str(self.function)

    def describe_cause(self, attempt: int) -> str:
        if self.cause:
            return self.cause
        limit = "always" if self.times is None else f"{attempt}/{self.times}"
        kind = f"; {AMBIGUOUS_CAUSE}" if self.ambiguous else ""
        return f"Fault injected by localrun ({limit}{kind})"

    @classmethod
    def parse(cls, spec: str, *, ambiguous: bool = False) -> Fault:
        """`STATE=ERROR[:N]` (CLI form); prefix the target with `fn:` to fail a function instead."""
        match = _SPEC.match(spec.strip())
        if match is None:
            raise ValueError(f"bad fault {spec!r}: expected STATE=ERROR[:N] or fn:FUNCTION=ERROR[:N]")
        target, error = match.group("target").strip(), match.group("error").strip()
        times = int(match.group("times")) if match.group("times") else 1
        if target.startswith("fn:"):
            return cls(error=error, function=target.removeprefix("fn:"), times=times, ambiguous=ambiguous)
        return cls(error=error, state=target, times=times, ambiguous=ambiguous)


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
        """A fault failing the state itself (in-handler faults fire in the invocation instead)."""
        return self._take(lambda fault: fault.state == state_name and not fault.in_handler)

    def for_function(self, matches: Callable[[str], bool], state: str | None = None) -> Injection | None:
        """`matches(target)` decides whether a function fault names the invoked function; an
        in-handler fault may name the invoking `state` instead."""
        return self._take(
            lambda fault: (
                (fault.function is not None and matches(fault.function))
                or (fault.in_handler and state is not None and fault.state == state)
            )
        )

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
