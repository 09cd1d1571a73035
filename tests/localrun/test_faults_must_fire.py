"""The faults-must-fire check: a run given a fault that never fires is reported by name."""

from __future__ import annotations

import pytest

from localrun import Fault, LocalRunner
from tests.localrun.conftest import ORDER, approve
from tests.support import fault_check


@pytest.mark.faults_may_not_fire
def test_a_fault_that_never_fires_is_reported_after_the_test(kitchen: LocalRunner) -> None:
    start = len(fault_check._results)
    misaimed = Fault(state="NoSuchState", error="Lambda.ServiceException")
    fired = Fault(state="Summarize", error="Lambda.ServiceException")

    result = kitchen.run({**ORDER, "express": True}, faults=[misaimed, fired], on_task_token=approve)

    assert result.unfired_faults == (misaimed,)
    assert fault_check.unfired_since(start) == [f"NoSuchState=Lambda.ServiceException (run {result.name})"]
