"""Virtual time: Wait states and Retry back-off advance a clock instead of sleeping.

Every interpreter environment (the execution and each frame: Parallel branch, Map worker, task)
carries a `Clock` holding the virtual seconds skipped on its path. A frame starts at its parent's
time; when it closes, the parent moves to the later of the two, so concurrent branches overlap
(the simulated time of a Parallel is its slowest branch) and sequential steps add up. History
timestamps are wall time plus the clock of the environment that wrote them.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Timeline:
    """One execution's shared time facts: when it started and its TimeoutSeconds, if any."""

    started: float = field(default_factory=time.monotonic)
    deadline_seconds: float | None = None
    on_timeout: Callable[[], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    timed_out: bool = False

    def elapsed_wall(self) -> float:
        return time.monotonic() - self.started

    def time_out(self) -> None:
        with self._lock:
            if self.timed_out:
                return
            self.timed_out = True
        if self.on_timeout is not None:
            self.on_timeout()


@dataclass
class Clock:
    """Virtual seconds skipped on one environment's path through the execution."""

    timeline: Timeline
    offset: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def child(self) -> Clock:
        return Clock(timeline=self.timeline, offset=self.offset)

    def merge(self, other: Clock) -> None:
        with self._lock:
            self.offset = max(self.offset, other.offset)

    def now(self) -> float:
        """Simulated seconds since the execution started."""
        return self.offset + self.timeline.elapsed_wall()

    def sleep(self, seconds: float) -> bool:
        """Advance by `seconds`; False if the execution's TimeoutSeconds was reached first."""
        seconds = max(0.0, float(seconds))
        deadline = self.timeline.deadline_seconds
        if deadline is not None and self.now() + seconds > deadline:
            with self._lock:
                self.offset += max(0.0, deadline - self.now())
            self.timeline.time_out()
            return False
        with self._lock:
            self.offset += seconds
        return True


class _Calendar:
    """The date as localrun's emulated APIs see it: real time plus the time a test let pass.

    Execution clocks only skip the waits inside an execution; this one moves the whole process
    forward (e.g. past RedriveExecution's 14-day window) without waiting.
    """

    def __init__(self) -> None:
        self._passed = datetime.timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime.datetime:
        with self._lock:
            return datetime.datetime.now(tz=datetime.UTC) + self._passed

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"time only moves forward: {seconds} seconds")
        with self._lock:
            self._passed += datetime.timedelta(seconds=seconds)

    def reset(self) -> None:
        with self._lock:
            self._passed = datetime.timedelta()


calendar = _Calendar()


def calendar_now() -> datetime.datetime:
    """Now, as localrun's emulated APIs see it (real time plus `calendar.advance`)."""
    return calendar.now()
