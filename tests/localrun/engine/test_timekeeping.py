"""Virtual time: Waits and Retry back-off advance the clock, and the execution timeout still holds."""

from __future__ import annotations

from localrun import Fault, LocalRunner, TaskTimeout
from tests.localrun.conftest import ORDER


def test_one_hour_wait_and_three_retries_are_simulated(bench: LocalRunner) -> None:
    fault = Fault(state="Last", error="Lambda.ServiceException", times=3)

    result = bench.run({"name": "patient", "pause": 3600}, faults=[fault])

    assert result.status == "SUCCEEDED"
    assert result.retries == 3
    skipped = result.simulated_seconds - result.wall_seconds  # virtual time, whatever the machine's speed
    assert result.simulated_seconds >= 3600
    assert skipped <= 3600 + 3 * 30
    waited = result.events("WaitStateEntered", "WaitStateExited")
    gap = (waited[1]["timestamp"] - waited[0]["timestamp"]).total_seconds()
    assert 3600 <= gap <= 3600 + result.wall_seconds


def test_parallel_branches_overlap_in_simulated_time(bench: LocalRunner) -> None:
    faults = [
        Fault(state="Left", error="Lambda.ServiceException", times=2),
        Fault(state="Right", error="Lambda.ServiceException", times=2),
    ]

    both = bench.run({"name": "overlap", "pause": 0}, faults=faults)
    one = bench.run({"name": "overlap", "pause": 0}, faults=faults[:1])

    assert both.retries == 4 and one.retries == 2
    # the slower branch's back-off, not the sum of both (wall time excluded: it depends on the machine)
    assert both.simulated_seconds - both.wall_seconds <= 2 * 6


def test_execution_timeout_is_reached_in_virtual_time(features: LocalRunner) -> None:
    result = features.run({}, state_machine="TimesOut")

    assert result.status == "TIMED_OUT"
    assert result.states == ("TooLong",)
    assert 3600 <= result.simulated_seconds <= 3600 + result.wall_seconds
    assert result.history[-1]["type"] == "ExecutionTimedOut"


def test_unanswered_task_token_times_out_on_the_task_timeout(kitchen: LocalRunner) -> None:
    result = kitchen.run({**ORDER, "express": True}, on_task_token=lambda token: TaskTimeout())

    # AwaitApproval waits up to a day, but the execution's own two-hour timeout comes first
    assert result.status == "TIMED_OUT"
    assert result.states[-1] == "AwaitApproval"
    assert 7200 <= result.simulated_seconds < 7201
