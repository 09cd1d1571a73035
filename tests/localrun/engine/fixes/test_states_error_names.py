"""States.* errors out of a Map iteration keep their States name (`fixes/states_error_names.py`)."""

from __future__ import annotations

from localrun import Fault, LocalRunner
from localrun.engine.fixes.states_error_names import error_name


def test_states_errors_map_to_states_error_names() -> None:
    assert type(error_name("States.Timeout")).__name__ == "StatesErrorName"
    assert type(error_name("OrderRejected")).__name__ == "CustomErrorName"


def test_states_error_inside_a_map_iteration_propagates(kitchen: LocalRunner) -> None:
    fault = Fault(state="PriceLine", error="States.TaskFailed", times=None)

    result = kitchen.run({"orderId": "o-9", "items": [{"sku": "plum"}], "express": True}, faults=[fault])

    assert (result.status, result.error) == ("FAILED", "States.TaskFailed")
