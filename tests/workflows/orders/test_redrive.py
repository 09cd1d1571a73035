"""Redriving order saga executions (RedriveExecution, emulated by localrun): the execution goes on
from the state that stopped it, and the order ends as on the happy path with one set of effects."""

from __future__ import annotations

import pytest

from localrun import Fault, LocalRunner, TaskTimeout
from scripts.orders.submit import execution_name
from scripts.redrive.__main__ import main as redrive_tool
from scripts.redrive.target import Target
from tests.support.worlds.orders import OrdersWorld, order

TWO_ITEMS = (("SKU-1", 2, "19.99"), ("SKU-2", 1, "5.00"))
TWO_ITEMS_TOTAL = 2 * 1999 + 500


def test_a_run_failed_by_a_runtime_fault_is_redriven_to_the_happy_path(
    shop: OrdersWorld, runner: LocalRunner
) -> None:
    # States.Runtime is neither retried nor caught: the execution fails at CreateShipment, after
    # the stock was reserved and the card charged.
    fault = Fault(state="CreateShipment", error="States.Runtime", cause="a broken payload", times=1)
    failed = shop.run(order("o-redrive", *TWO_ITEMS), faults=[fault])
    assert (failed.status, failed.error) == ("FAILED", "States.Runtime"), failed.trace()
    assert shop.status("o-redrive")["status"] != "COMPLETED"

    result = runner.redrive(failed.execution_arn)

    assert result.status == "SUCCEEDED", result.trace()
    assert result.states[0] == "CreateShipment"
    for before in ("Validate", "ReserveInventory", "ChargePayment"):
        assert before in failed.states and before not in result.states
    assert list(shop.ledger()["o-redrive"]) == ["CHARGE"]  # charged once
    assert shop.balance("pm_alice") == 500_000 - TWO_ITEMS_TOTAL
    assert shop.inventory()["SKU-1"] == {"available": 8, "sold": 2, "holds": {}}  # reserved once
    assert shop.inventory()["SKU-2"] == {"available": 4, "sold": 1, "holds": {}}
    status = shop.status("o-redrive")
    assert (status["status"], status["step"]) == ("COMPLETED", "DONE")
    assert status["shipmentId"] == result.output["shipment"]["shipmentId"]
    assert shop.shipment("o-redrive") is not None
    assert result.output["charge"]["chargeId"] == status["chargeId"]


def test_an_execution_stopped_while_awaiting_approval_asks_again_when_redriven(
    shop: OrdersWorld, runner: LocalRunner
) -> None:
    big = order("o-stopped", ("SKU-4", 1, "1200.00"))  # above the approval threshold
    shop.submitted["o-stopped"] = big
    execution = runner.start_execution(big, name=execution_name("o-stopped"))
    execution.wait_for_task_token("RequestApproval")
    runner.client("stepfunctions").stop_execution(executionArn=execution.execution_arn, error="Operator")
    stopped = execution.wait()
    assert stopped.status == "ABORTED"

    result = runner.redrive(stopped.execution_arn, on_task_token=lambda token: {"approved": True})

    assert result.status == "SUCCEEDED", result.trace()
    assert result.states[0] == "RequestApproval" and "ReserveInventory" not in result.states
    assert list(shop.ledger()["o-stopped"]) == ["CHARGE"]
    assert shop.inventory()["SKU-4"] == {"available": 4, "sold": 1, "holds": {}}
    assert shop.status("o-stopped")["status"] == "COMPLETED"


def test_a_parked_order_nobody_answered_is_reported_and_not_redriven(
    shop: OrdersWorld, runner: LocalRunner, capsys: pytest.CaptureFixture[str]
) -> None:
    # A refund that keeps failing parks the order; nobody answers within parkedTimeoutDays, so the
    # execution ends in the Fail state NeedsAttention, which a redrive would only re-enter (a parked
    # order is resumed while it waits: test_parked_orders.py).
    address = {**order("x")["shippingAddress"], "country": "BR", "postalCode": "01000-000"}
    faults = [Fault(state="RefundPayment", error="PaymentProviderUnavailable", times=None)]
    parked = shop.run(
        order("o-parked", ("SKU-2", 1, "5.00"), shippingAddress=address),
        faults=faults,
        on_task_token=lambda pending: TaskTimeout() if pending.state == "AwaitOperator" else None,
    )
    assert parked.error == "OrderNeedsAttention"
    target = Target.local(runner)

    assert redrive_tool(["list", "--workflow", "orders"], target=target) == 0
    [line] = [line for line in capsys.readouterr().out.splitlines() if line.startswith(parked.name)]
    assert "at NeedsAttention" in line and "error OrderNeedsAttention" in line
    assert "not redrivable: it failed in the Fail state NeedsAttention" in line

    assert redrive_tool(["redrive", "--workflow", "orders", "--all", "--apply"], target=target) == 0
    assert f"skip {parked.name}" in capsys.readouterr().out
    described = runner.client("stepfunctions").describe_execution(executionArn=parked.execution_arn)
    assert (described["status"], described["redriveCount"]) == ("FAILED", 0)
    assert shop.status("o-parked")["status"] == "NEEDS_ATTENTION"
