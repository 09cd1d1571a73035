"""Issue 16 through localrun: catalog prices, the per-customer spend window, payment methods bound to
their owner, approvals nobody can forge or replay, and the input rules for names and numbers.

Every test ends with `OrdersWorld.assert_invariant` (the `shop` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from localrun import Fault, LocalRunner, TaskFailure
from scripts.orders.approval import ApprovalError, decide
from scripts.orders.submit import execution_name
from tests.support.worlds.orders import OrdersWorld, order
from tests.workflows.orders.test_order_saga import (
    BIG_ORDER,
    approver,
    await_approval_request,
    decide_as_reviewer,
    reviewer_arn,
    stored_token,
)

REFUSED_STATES = ("Validate", "ExplainRefusedOrder", "OrderRefused")


def assert_nothing_written(shop: OrdersWorld) -> None:
    assert shop.statuses() == {} and shop.ledger() == {}
    assert all(not row["holds"] for row in shop.inventory().values())
    assert shop.dynamodb.scan(TableName=shop.personal_data_table)["Items"] == []
    assert shop.dynamodb.scan(TableName=shop.spend_table)["Items"] == []


def test_the_happy_path_charges_catalog_prices_whatever_the_client_omits(shop: OrdersWorld) -> None:
    result = shop.run(order("o-catalog", ("SKU-1", 2), ("SKU-3", 1, "100.00")))
    assert result.status == "SUCCEEDED", result.trace()
    assert result.output["order"]["items"] == [
        {"sku": "SKU-1", "quantity": 2, "unitPriceMinor": 1999},
        {"sku": "SKU-3", "quantity": 1, "unitPriceMinor": 10_000},
    ]
    assert result.output["charge"]["amountMinor"] == 2 * 1999 + 10_000
    assert shop.balance("pm_alice") == 500_000 - 13_998
    assert shop.status("o-catalog")["total"] == "139.98"


def test_a_tampered_price_fails_price_changed_before_anything_is_reserved(shop: OrdersWorld) -> None:
    result = shop.run(order("o-cheap", ("SKU-2", 1, "5.00"), ("SKU-4", 1, "1.00")))
    assert (result.status, result.error) == ("FAILED", "PriceChanged")
    assert result.cause == "items[1].unitPrice: expected 1.00 but SKU-4 costs 1200.00 USD"
    assert result.states == REFUSED_STATES
    assert_nothing_written(shop)
    assert shop.balance("pm_alice") == 500_000


def test_split_orders_over_the_window_reach_approval(shop: OrdersWorld, runner: LocalRunner) -> None:
    """Two 600.00 orders, each under the 1000.00 threshold: the second one's window total is 1200.00."""
    first = shop.run(order("o-half-1", ("SKU-5", 1)))
    assert first.status == "SUCCEEDED", first.trace()
    assert "RequestApproval" not in first.states
    assert (first.output["order"]["approvalReason"], first.output["order"]["spendInWindow"]) == (
        "NONE",
        "600.00",
    )

    second = order("o-half-2", ("SKU-5", 1))
    shop.submitted["o-half-2"] = second
    execution = runner.start_execution(second, name=execution_name("o-half-2"))
    waiting = await_approval_request(shop, execution, "o-half-2")
    assert waiting["approvalReason"] == "CUSTOMER_SPEND"
    assert shop.balance("pm_alice") == 500_000 - 60_000, "the second half waits, uncharged"
    decide_as_reviewer(shop, "o-half-2", "reject", "split order")
    result = execution.wait()
    assert (result.status, result.error) == ("FAILED", "OrderRejected")
    assert shop.status("o-half-2")["status"] == "REJECTED"
    assert shop.available("SKU-5") == 4


def test_another_customers_payment_method_is_refused_before_anything_is_reserved(shop: OrdersWorld) -> None:
    result = shop.run(order("o-bobs-card", ("SKU-1", 1), payment={"token": "pm_bob"}))
    assert (result.status, result.error) == ("FAILED", "PaymentMethodNotOwned")
    assert result.cause == "payment.token: the payment method is not registered to this customer (cust-1)"
    assert result.states == REFUSED_STATES
    assert "pm_bob" not in (result.cause or "")
    assert_nothing_written(shop)
    assert shop.balance("pm_bob") == 500_000


def test_a_payment_method_without_an_owner_pays_for_nobody(shop: OrdersWorld) -> None:
    result = shop.run(order("o-ownerless", ("SKU-1", 1), payment={"token": "pm_nobody"}))
    assert (result.status, result.error) == ("FAILED", "PaymentMethodNotOwned")
    assert "has no owner" in (result.cause or "")
    assert_nothing_written(shop)
    assert shop.balance("pm_nobody") == 500_000


def test_approval_by_token_replay_is_refused(shop: OrdersWorld, runner: LocalRunner) -> None:
    """A decided order's token, replayed directly or moved onto another waiting order, decides nothing."""
    decided = order("o-decided", *BIG_ORDER)
    shop.submitted["o-decided"] = decided
    first = runner.start_execution(decided, name=execution_name("o-decided"))
    waiting = await_approval_request(shop, first, "o-decided")
    old_ciphertext = waiting["approvalTokenCiphertext"]
    old_token = stored_token(shop, "o-decided", old_ciphertext)
    decide_as_reviewer(shop, "o-decided", "approve")
    assert first.wait().status == "SUCCEEDED"

    with pytest.raises(ApprovalError, match="o-decided is COMPLETED, not awaiting approval"):
        decide_as_reviewer(shop, "o-decided", "approve")
    stepfunctions = approver(runner).stepfunctions
    with pytest.raises(ClientError) as replayed:
        stepfunctions.send_task_success(taskToken=old_token, output='{"decision": "APPROVED"}')
    assert replayed.value.response["Error"]["Code"] in {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}

    pending = order("o-pending", *BIG_ORDER)
    shop.submitted["o-pending"] = pending
    second = runner.start_execution(pending, name=execution_name("o-pending"))
    await_approval_request(shop, second, "o-pending")
    shop.dynamodb.update_item(  # whoever may write the status item plants the old ciphertext
        TableName=shop.status_table,
        Key={"orderId": {"S": "o-pending"}},
        UpdateExpression="SET approvalTokenCiphertext = :old",
        ExpressionAttributeValues={":old": {"B": old_ciphertext}},
    )
    with pytest.raises(ApprovalError, match="not issued for this order's execution"):
        decide_as_reviewer(shop, "o-pending", "approve")
    assert "approvalDecision" not in shop.status("o-pending")
    rejected = second.wait(on_task_token=lambda token: TaskFailure("OrderRejected", "the test ends"))
    assert (rejected.status, rejected.error) == ("FAILED", "OrderRejected")
    assert shop.balance("pm_alice") == 500_000 - 120_000, "only the decided order was charged"


def test_the_reviewer_recorded_is_the_callers_identity(shop: OrdersWorld, runner: LocalRunner) -> None:
    big = order("o-who", *BIG_ORDER)
    shop.submitted["o-who"] = big
    execution = runner.start_execution(big, name=execution_name("o-who"))
    await_approval_request(shop, execution, "o-who")
    identity = approver(runner, "sam").sts.get_caller_identity()
    recorded = decide("o-who", "approve", table_name=shop.status_table, clients=approver(runner, "sam"))
    assert execution.wait().status == "SUCCEEDED"
    status = shop.status("o-who")
    assert (
        status["approvalReviewer"] == recorded["reviewer"] == identity["Arn"] == reviewer_arn(runner, "sam")
    )
    assert status["approvalReviewerId"] == identity["UserId"]


@pytest.mark.parametrize(
    "name",
    ["سارا محمدی\u200cنژاد", "क्\u200dष शर्मा"],  # noqa: RUF001
    ids=["persian-zwnj", "devanagari-zwj"],
)
def test_a_name_with_a_joiner_completes(shop: OrdersWorld, name: str) -> None:
    address = {**order("x")["shippingAddress"], "name": name}
    result = shop.run(order(f"o-{len(name)}", ("SKU-2", 1), shippingAddress=address))
    assert result.status == "SUCCEEDED", result.trace()
    shipment: dict[str, Any] | None = shop.shipment(f"o-{len(name)}")
    assert shipment is not None and shipment["address"]["M"]["name"]["S"] == name


@pytest.mark.parametrize("price", ["1_000", "٥"], ids=["underscore", "arabic-indic"])  # noqa: RUF001
def test_a_numeric_string_with_other_than_ascii_digits_is_refused(shop: OrdersWorld, price: str) -> None:
    result = shop.run(order(f"o-digits-{len(price)}", ("SKU-2", 1, price)))
    assert (result.status, result.error) == ("FAILED", "InvalidOrder")
    assert result.cause == "items[0].unitPrice: must be ASCII digits with an optional decimal point"
    assert_nothing_written(shop)


def test_a_charge_whose_answer_is_lost_every_time_is_refunded_exactly(shop: OrdersWorld) -> None:
    """Issue 10's ambiguous fault: every ChargePayment attempt charges (or finds its charge) and its
    response is lost; the saga gives up, refunds what was charged once, and releases the stock."""
    fault = Fault(state="ChargePayment", error="Lambda.ServiceException", times=None, ambiguous=True)
    result = shop.run(order("o-lost", ("SKU-1", 1)), faults=[fault])
    assert (result.status, result.error) == ("FAILED", "Lambda.ServiceException"), result.trace()
    assert result.faults_fired[fault] >= 2
    assert [s for s in result.states if s in ("RefundPayment", "ReleaseInventory")] == [
        "RefundPayment",
        "ReleaseInventory",
    ]
    entries = shop.ledger()["o-lost"]
    assert set(entries) == {"CHARGE", "REFUND"}
    assert entries["REFUND"]["amountMinor"]["N"] == entries["CHARGE"]["amountMinor"]["N"] == "1999"
    assert shop.balance("pm_alice") == 500_000
    assert shop.status("o-lost")["status"] == "FAILED"


def test_a_refund_whose_answer_is_lost_refunds_once(shop: OrdersWorld) -> None:
    """The refund took effect, its answer was lost: the retry finds the refund and moves no money."""
    address = {**order("x")["shippingAddress"], "country": "BR", "postalCode": "01000-000"}
    fault = Fault(state="RefundPayment", error="Lambda.ServiceException", times=1, ambiguous=True)
    result = shop.run(order("o-refund-lost", ("SKU-2", 1), shippingAddress=address), faults=[fault])
    assert (result.status, result.error) == ("FAILED", "AddressUndeliverable"), result.trace()
    assert result.faults_fired[fault] == 1
    assert set(shop.ledger()["o-refund-lost"]) == {"CHARGE", "REFUND"}
    assert shop.balance("pm_alice") == 500_000
