"""Faults must fire: a test that injects a fault which never fires fails, naming the fault.

A fault aimed at a renamed state, a function that is no longer called or a path the run never
takes tests nothing while looking like it does. Every `LocalExecution.wait()` of a test whose
run left a fault unfired is recorded; after the test, such a fault fails it. Tests that try faults
on purpose until one fires (the fault matrix) are marked `faults_may_not_fire`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from localrun.result import RunResult
from localrun.runner import LocalExecution

MARKER = "faults_may_not_fire"
_results: list[RunResult] = []


def install() -> None:
    """Record every finished run's result (once per process)."""
    if getattr(LocalExecution.wait, "_records_results", False):
        return
    original = LocalExecution.wait

    def wait(self: LocalExecution, *args: Any, **kwargs: Any) -> RunResult:
        result = original(self, *args, **kwargs)
        if result.unfired_faults:
            _results.append(result)
        return result

    wait._records_results = True  # type: ignore[attr-defined]
    LocalExecution.wait = wait  # type: ignore[method-assign]


def unfired_since(start: int) -> list[str]:
    return [
        f"{fault.target}={fault.error} (run {result.name})"
        for result in _results[start:]
        for fault in result.unfired_faults
    ]


@pytest.fixture(autouse=True)
def faults_must_fire(request: pytest.FixtureRequest) -> Iterator[None]:
    start = len(_results)
    yield
    unfired = unfired_since(start)
    del _results[start:]
    if unfired and request.node.get_closest_marker(MARKER) is None:
        pytest.fail("faults that never fired (the test checks nothing there): " + "; ".join(unfired))
