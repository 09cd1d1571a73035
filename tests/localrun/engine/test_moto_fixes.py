"""moto bugs localrun fixes: States.* errors out of Map/Parallel, empty S3 ItemReader listings."""

from __future__ import annotations

from localrun import Fault, LocalRunner
from localrun.engine.moto_fixes import error_name
from tests.localrun.conftest import kitchen_sink_template


def test_states_errors_map_to_states_error_names() -> None:
    assert type(error_name("States.Timeout")).__name__ == "StatesErrorName"
    assert type(error_name("OrderRejected")).__name__ == "CustomErrorName"


def test_states_error_inside_a_map_iteration_propagates(kitchen: LocalRunner) -> None:
    fault = Fault(state="PriceLine", error="States.TaskFailed", times=None)

    result = kitchen.run({"orderId": "o-9", "items": [{"sku": "plum"}], "express": True}, faults=[fault])

    assert (result.status, result.error) == ("FAILED", "States.TaskFailed")


def test_distributed_map_over_an_empty_prefix_yields_no_items() -> None:
    with LocalRunner(kitchen_sink_template()) as empty:
        result = empty.run(
            {"orderId": "o-0", "items": [{"sku": "plum"}], "express": True},
            on_task_token=lambda token: {"approver": "ann"},
        )

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["prepared"]["documents"] == []


def test_distributed_map_item_failure_exceeds_the_default_tolerance(kitchen: LocalRunner) -> None:
    fault = Fault(function="WordCounter", error="Boom", times=1)

    result = kitchen.run({"orderId": "o-8", "items": [{"sku": "plum"}], "express": True}, faults=[fault])

    assert (result.status, result.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    assert "1 of 3 items failed" in (result.cause or "")
    assert result.events("MapRunFailed")
