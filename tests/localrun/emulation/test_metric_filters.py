"""The metric-filter emulation: JSON terms with = and !=, joined by && or ||; anything else refused."""

from __future__ import annotations

import json

import pytest

from localrun.emulation.metric_filters import MetricFilter, UnsupportedPattern

UNEXPECTED = (
    '{ ($.type = "ExecutionFailed") && ($.details.error != "PaymentDeclined") '
    '&& ($.details.error != "OutOfStock") }'
)


def failed(error: str | None, kind: str = "ExecutionFailed") -> str:
    details = {} if error is None else {"error": error, "cause": "c"}
    return json.dumps({"id": "9", "type": kind, "details": details})


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (failed("RuntimeError"), True),
        (failed("PaymentDeclined"), False),
        (failed("OutOfStock"), False),
        (failed("RuntimeError", kind="TaskFailed"), False),
        (failed(None), False),
        ("START RequestId: r-1", False),
    ],
)
def test_the_unexpected_failures_pattern(message: str, expected: bool) -> None:
    assert MetricFilter.parse(UNEXPECTED).matches(message) is expected


def test_any_of_and_bare_values() -> None:
    pattern = MetricFilter.parse("{ ($.type = ExecutionAborted) || ($.type = ExecutionTimedOut) }")
    assert pattern.matches(failed("x", kind="ExecutionTimedOut"))
    assert not pattern.matches(failed("x"))


@pytest.mark.parametrize(
    "pattern",
    ["ERROR", '{ ($.a = "x") && ($.b = "y") || ($.c = "z") }', "{ $.latency > 5 }", '{ ($.a = "x" }'],
)
def test_patterns_outside_the_subset_are_refused(pattern: str) -> None:
    with pytest.raises(UnsupportedPattern):
        MetricFilter.parse(pattern)
