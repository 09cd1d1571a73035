"""Distributed Map item failures count against the tolerance (`fixes/tolerated_failures.py`)."""

from __future__ import annotations

from localrun import Fault, LocalRunner


def test_distributed_map_item_failure_exceeds_the_default_tolerance(kitchen: LocalRunner) -> None:
    fault = Fault(function="WordCounter", error="Boom", times=1)

    result = kitchen.run({"orderId": "o-8", "items": [{"sku": "plum"}], "express": True}, faults=[fault])

    assert (result.status, result.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    assert "1 of 3 items failed" in (result.cause or "")
    assert result.events("MapRunFailed")
