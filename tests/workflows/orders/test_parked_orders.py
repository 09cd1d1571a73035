"""Parked orders through localrun: a compensation that keeps failing parks the order and its
execution waits in AwaitOperator; the operator's retry (after the fix) resumes the saga from the
failed step, give-up and the timeout end it in NeedsAttention, and a wrong answer changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localrun import Fault, LocalExecution, LocalRunner, TaskTimeout
from scripts.orders.parked import Clients, ParkedOrderError, ParkedOrders
from scripts.orders.parked import main as parked_tool
from scripts.orders.submit import execution_name
from scripts.redrive.__main__ import main as redrive_tool
from scripts.redrive.target import Target
from stacks.orders.settings import OrdersSettings
from tests.support.roles import assumed_session
from tests.support.worlds.orders import OrdersWorld, order

SETTINGS = OrdersSettings()
# Every attempt of the refund's first run fails (the first try and each retry): the order parks.
# The fault is then gone: the next attempt, after the operator's retry, succeeds.
REFUND_ATTEMPTS = 1 + SETTINGS.compensation_max_attempts
UNDELIVERABLE = {**order("x")["shippingAddress"], "country": "BR", "postalCode": "01000-000"}
OPENING_SKU_2 = 5


def operator(runner: LocalRunner, session_name: str = "olga") -> Clients:
    """The parked-order tool's clients with the credentials of the stack's operator role."""
    return Clients.default(assumed_session(runner, "Workflow/ParkedOrderOperator", session_name))


def parked_orders(shop: OrdersWorld) -> ParkedOrders:
    return ParkedOrders(shop.status_table, operator(shop.runner))


def park(
    shop: OrdersWorld, order_id: str, refund_fault_times: int | None = REFUND_ATTEMPTS
) -> LocalExecution:
    """Start an order whose shipment is undeliverable and whose refund fails `refund_fault_times`
    attempts; return once it waits for an operator with its token stored."""
    undeliverable = order(order_id, ("SKU-2", 1, "5.00"), shippingAddress=UNDELIVERABLE)
    shop.submitted[order_id] = undeliverable
    fault = Fault(state="RefundPayment", error="PaymentProviderUnavailable", times=refund_fault_times)
    execution = shop.runner.start_execution(undeliverable, name=execution_name(order_id), faults=[fault])
    execution.wait_for_task_token("AwaitOperator", timeout=60)
    for _ in range(2000):
        if "parkedTokenCiphertext" in shop.status(order_id):
            return execution
        execution.run.finished.wait(0.005)
    raise AssertionError(f"{order_id} never stored its operator token: {shop.status(order_id)}")


def operator_arn(runner: LocalRunner, session_name: str = "olga") -> str:
    role = runner.resource("Workflow/ParkedOrderOperator")
    return f"arn:aws:sts::{role.arn.split(':')[4]}:assumed-role/{role.name}/{session_name}"


def refunds(result: Any) -> int:
    return sum(1 for state in result.states if state == "RefundPayment")


def test_a_retry_after_the_fix_resumes_the_saga_with_one_refund_and_one_release(shop: OrdersWorld) -> None:
    execution = park(shop, "o-fixed")
    waiting = shop.status("o-fixed")
    assert (waiting["status"], waiting["step"]) == ("NEEDS_ATTENTION", "REFUND_PAYMENT")
    assert waiting["attentionError"] == "PaymentProviderUnavailable"
    assert shop.inventory()["SKU-2"]["holds"] == {"o-fixed": 1}, "nothing released while parked"
    [message] = shop.parked()
    assert set(message) == {"orderId", "executionId", "parkedAt", "step", "error"}
    assert (message["orderId"], message["step"]) == ("o-fixed", "REFUND_PAYMENT")
    token = execution.pending_tokens()[-1].token
    assert token not in json.dumps(message) and token.encode() not in waiting["parkedTokenCiphertext"]

    answered = parked_orders(shop).answer("o-fixed", "retry", comment="payment provider back")
    result = execution.wait()

    assert (result.status, result.error) == ("FAILED", "AddressUndeliverable"), result.trace()
    waited = result.states.index("AwaitOperator")
    assert result.states[waited + 1 : waited + 3] == ("OperatorDecision", "ResumeCompensation")
    after = result.states[result.states.index("ResumeCompensation") + 1 :]
    assert after[:3] == ("RecordRefunding", "RefundPayment", "RecordReleasing")
    assert after[-3:] == ("RecordFailed", "FailureKind", "Failed") and "CancelShipment" not in after
    ledger = shop.ledger()["o-fixed"]
    assert set(ledger) == {"CHARGE", "REFUND"} and ledger["REFUND"]["amountMinor"]["N"] == "500"
    assert shop.balance("pm_alice") == 500_000, "charged once, refunded once"
    assert shop.inventory()["SKU-2"] == {"available": OPENING_SKU_2, "sold": 0, "holds": {}}
    assert result.entered("ReleaseInventory") == 1, "the stock is released once"
    status = shop.status("o-fixed")
    assert (status["status"], status["reason"]) == ("FAILED", "AddressUndeliverable")
    assert (status["parkedDecision"], status["parkedOperator"]) == ("RETRY", operator_arn(shop.runner))
    assert status["parkedComment"] == "payment provider back" and answered["step"] == "REFUND_PAYMENT"
    assert "parkedTokenCiphertext" not in status, "the next status change removes the token"


def test_a_retry_that_fails_again_parks_the_order_again(shop: OrdersWorld) -> None:
    execution = park(shop, "o-again", refund_fault_times=None)
    parked_orders(shop).answer("o-again", "retry")
    execution.wait_for_task_token("AwaitOperator")
    for _ in range(2000):
        tokens = [token for token in execution.pending_tokens() if token.state == "AwaitOperator"]
        if len(tokens) == 2:
            break
        execution.run.finished.wait(0.005)
    assert len(tokens) == 2, "parked a second time"
    for _ in range(2000):
        if "parkedDecision" not in shop.status("o-again"):
            break
        execution.run.finished.wait(0.005)
    assert parked_orders(shop).get("o-again").waiting, "the new token awaits a new answer"

    parked_orders(shop).answer("o-again", "give-up", comment="provider account closed")
    result = execution.wait()
    assert (result.status, result.error) == ("FAILED", "OrderNeedsAttention")
    assert result.entered("RefundPayment") == 2 and "ReleaseInventory" not in result.states


def test_give_up_ends_needs_attention_and_keeps_the_order_parked(shop: OrdersWorld) -> None:
    execution = park(shop, "o-given-up")
    parked_orders(shop).answer("o-given-up", "give-up", comment="refund by hand")
    result = execution.wait()
    assert (result.status, result.error) == ("FAILED", "OrderNeedsAttention"), result.trace()
    assert result.states[-4:] == ("OperatorDecision", "OperatorGaveUp", "RecordLeftParked", "NeedsAttention")
    assert "ResumeCompensation" not in result.states
    status = shop.status("o-given-up")
    assert (status["status"], status["parkedOutcome"]) == ("NEEDS_ATTENTION", "OperatorGaveUp")
    assert (status["parkedDecision"], status["parkedComment"]) == ("GIVE_UP", "refund by hand")
    assert "parkedTokenCiphertext" not in status
    assert shop.inventory()["SKU-2"]["holds"] == {"o-given-up": 1}, "left for manual repair"


def test_nobody_answering_within_the_parked_timeout_ends_needs_attention(shop: OrdersWorld) -> None:
    execution = park(shop, "o-forgotten")
    result = execution.wait(
        on_task_token=lambda pending: TaskTimeout() if pending.state == "AwaitOperator" else None
    )
    assert (result.status, result.error) == ("FAILED", "OrderNeedsAttention"), result.trace()
    assert result.simulated_seconds >= SETTINGS.parked_timeout_days * 86_400
    status = shop.status("o-forgotten")
    assert (status["status"], status["parkedOutcome"]) == ("NEEDS_ATTENTION", "States.Timeout")
    assert "parkedTokenCiphertext" not in status and "parkedDecision" not in status
    with pytest.raises(ParkedOrderError, match="not waiting for an operator"):
        parked_orders(shop).answer("o-forgotten", "retry")


def test_a_wrong_or_unauthorised_answer_changes_nothing(shop: OrdersWorld, runner: LocalRunner) -> None:
    completed = shop.run(order("o-fine", ("SKU-1", 1)))
    assert completed.status == "SUCCEEDED"
    execution = park(shop, "o-wrong")
    before = shop.status("o-wrong")
    tool = parked_orders(shop)

    with pytest.raises(ParkedOrderError, match="o-fine is COMPLETED, not parked"):
        tool.answer("o-fine", "retry")
    with pytest.raises(ParkedOrderError, match="o-nobody is unknown"):
        tool.answer("o-nobody", "retry")
    # A stored token bound to another execution (a replayed or copied ciphertext) is refused by KMS.
    shop.dynamodb.update_item(
        TableName=shop.status_table,
        Key={"orderId": {"S": "o-wrong"}},
        UpdateExpression="SET executionId = :other",
        ExpressionAttributeValues={":other": {"S": completed.execution_arn}},
    )
    with pytest.raises(ParkedOrderError, match="not issued for this order's execution"):
        tool.answer("o-wrong", "retry")
    shop.dynamodb.update_item(
        TableName=shop.status_table,
        Key={"orderId": {"S": "o-wrong"}},
        UpdateExpression="SET executionId = :own",
        ExpressionAttributeValues={":own": {"S": before["executionId"]}},
    )
    # A forged token is refused by Step Functions.
    with pytest.raises(ClientError, match=r"InvalidToken|TaskDoesNotExist"):
        operator(runner).stepfunctions.send_task_success(taskToken="forged", output='{"decision": "RETRY"}')
    # An answer that is neither RETRY nor GIVE_UP, sent with the real token: the saga asks again.
    context = {"orderId": "o-wrong", "executionId": before["executionId"]}
    first = operator(runner).kms.decrypt(
        CiphertextBlob=before["parkedTokenCiphertext"], EncryptionContext=context
    )
    operator(runner).stepfunctions.send_task_success(
        taskToken=bytes(first["Plaintext"]).decode(), output='{"decision": "MAYBE"}'
    )
    for _ in range(2000):
        if len([t for t in execution.pending_tokens() if t.state == "AwaitOperator"]) == 2:
            break
        execution.run.finished.wait(0.005)
    for _ in range(2000):
        if shop.status("o-wrong").get("parkedTokenCiphertext") not in (None, before["parkedTokenCiphertext"]):
            break
        execution.run.finished.wait(0.005)
    asked_again = shop.status("o-wrong")
    assert asked_again["parkedTokenCiphertext"] != before["parkedTokenCiphertext"], "a new token"
    before = {**before, "parkedTokenCiphertext": asked_again["parkedTokenCiphertext"]}
    before.update({k: asked_again[k] for k in ("parkedAt", "parkedExpiresAt", "updatedAt")})
    # An answer that is not retry or give-up is a usage error; a dry run answers nothing.
    with pytest.raises(SystemExit) as usage:
        parked_tool(["approve", "o-wrong"], orders=tool)
    assert usage.value.code == 2
    assert parked_tool(["retry", "o-wrong"], orders=tool) == 0

    assert shop.status("o-wrong") == before
    assert (
        runner.client("stepfunctions").describe_execution(executionArn=execution.execution_arn)["status"]
        == "RUNNING"
    )
    tool.answer("o-wrong", "give-up", comment="test over")
    assert execution.wait().error == "OrderNeedsAttention"
    with pytest.raises(ParkedOrderError, match="already answered"):
        tool.answer("o-wrong", "retry")


def test_the_redrive_tool_lists_and_retries_parked_orders(
    shop: OrdersWorld, runner: LocalRunner, capsys: pytest.CaptureFixture[str]
) -> None:
    execution = park(shop, "o-redriven")
    target = Target.local(runner, parked=parked_orders(shop))

    assert redrive_tool(["list", "--workflow", "orders"], target=target) == 0
    [line] = [line for line in capsys.readouterr().out.splitlines() if "o-redriven" in line]
    assert "at REFUND_PAYMENT" in line and "error PaymentProviderUnavailable" in line
    assert "awaiting an operator" in line
    assert parked_tool(["list"], orders=parked_orders(shop)) == 0
    listed = capsys.readouterr().out.splitlines()
    assert line in listed and listed[-1] == "1 parked order(s), 1 awaiting an operator"

    assert redrive_tool(["redrive", "--workflow", "orders", "--order", "o-redriven"], target=target) == 0
    assert "would retry parked o-redriven" in capsys.readouterr().out
    assert shop.status("o-redriven")["status"] == "NEEDS_ATTENTION", "a dry run answers nothing"

    assert (
        redrive_tool(["redrive", "--workflow", "orders", "--order", "o-redriven", "--apply"], target=target)
        == 0
    )
    assert "retried o-redriven: the saga resumes from REFUND_PAYMENT" in capsys.readouterr().out
    result = execution.wait()
    assert (result.status, result.error) == ("FAILED", "AddressUndeliverable"), result.trace()
    assert shop.status("o-redriven")["status"] == "FAILED"
    assert redrive_tool(["redrive", "--workflow", "orders", "--order", "o-redriven"], target=target) == 1
    assert "o-redriven is FAILED, not parked" in capsys.readouterr().out
