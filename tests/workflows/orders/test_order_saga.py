"""The order saga end to end through localrun: the synthesized definition, the real handlers.

Every test ends with the stock-and-money invariant checked by the `shop` fixture.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from orders.ledger import LedgerAdapter
from orders.payments import ChargeRequest

from localrun import Fault, LocalRunner, RunResult, TaskTimeout
from scripts.orders.approval import ApprovalError, Clients, decide
from scripts.orders.submit import execution_name
from stacks.orders.settings import OrdersSettings
from tests.support.roles import assumed_session
from tests.support.worlds.orders import OrdersWorld, order
from tests.workflows.orders.conftest import OPENING_STOCK

THREE_ITEMS = (("SKU-1", 2, "19.99"), ("SKU-2", 1, "5.00"), ("SKU-3", 1, "100.00"))
THREE_ITEMS_TOTAL = 2 * 1999 + 500 + 10000


def subscribe_queue(runner: LocalRunner, topic_arn: str, name: str) -> str:
    sqs, sns = runner.client("sqs"), runner.client("sns")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    return url


def drain(runner: LocalRunner, url: str) -> list[dict[str, Any]]:
    sqs = runner.client("sqs")
    messages = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in batch:
            messages.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return messages


def drain_until(runner: LocalRunner, url: str, count: int, attempts: int = 500) -> list[Any]:
    """Messages from `url` once `count` have arrived (a handler may still be publishing)."""
    messages: list[Any] = []
    for _ in range(attempts):
        messages += drain(runner, url)
        if len(messages) >= count:
            return messages
        time.sleep(0.01)
    return messages


@pytest.fixture(scope="module")
def confirmations(runner: LocalRunner) -> str:
    topic = runner.resource("Workflow/CustomerNotifications").ref
    return subscribe_queue(runner, topic, "test-customer-confirmations")


@pytest.fixture(scope="module")
def order_events(runner: LocalRunner) -> str:
    sqs, events = runner.client("sqs"), runner.client("events")
    url = sqs.create_queue(QueueName="test-order-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = runner.resource("Workflow/OrderEvents").name
    events.put_rule(
        Name="order-completed",
        EventBusName=bus,
        EventPattern=json.dumps({"source": ["stepwise.orders"], "detail-type": ["OrderCompleted"]}),
    )
    events.put_targets(Rule="order-completed", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    return url


def compensations(result: RunResult) -> list[str]:
    wanted = ("RecordCancelling", "CancelShipment", "RecordRefunding", "RefundPayment",
              "RecordReleasing", "ReleaseInventory")  # fmt: skip
    return [state for state in result.states if state in wanted]


# ---- happy path -----------------------------------------------------------------------------


def test_happy_path_three_items(
    shop: OrdersWorld, runner: LocalRunner, confirmations: str, order_events: str
) -> None:
    drain(runner, confirmations), drain(runner, order_events)
    result = shop.run(order("o-happy", *THREE_ITEMS))
    assert result.status == "SUCCEEDED", result.trace()
    print(f"\nhappy path, 3 items: {result.transitions} transitions, {len(result.states)} states")
    assert result.transitions <= 25
    assert compensations(result) == []
    assert result.entered("ReserveItem") == 3 and result.entered("SettleItem") == 3

    assert shop.inventory()["SKU-1"] == {"available": 8, "sold": 2, "holds": {}}
    assert shop.inventory()["SKU-3"] == {"available": 0, "sold": 1, "holds": {}}
    assert shop.balance("pm_alice") == 500_000 - THREE_ITEMS_TOTAL
    status = shop.status("o-happy")
    assert (status["status"], status["step"]) == ("COMPLETED", "DONE")
    assert status["total"] == "144.98"
    assert status["chargeId"] == result.output["charge"]["chargeId"]
    assert status["shipmentId"] == result.output["shipment"]["shipmentId"]

    [confirmation] = drain(runner, confirmations)
    assert confirmation == {
        "orderId": "o-happy",
        "customerId": "cust-1",
        "status": "COMPLETED",
        "total": "144.98",
        "currency": "USD",
        "shipmentId": status["shipmentId"],
    }
    [event] = drain(runner, order_events)
    assert event["detail-type"] == "OrderCompleted" and event["source"] == "stepwise.orders"
    assert event["detail"]["totalMinor"] == THREE_ITEMS_TOTAL
    assert event["detail"]["chargeId"] == status["chargeId"]


def test_a_transient_payment_error_is_retried_and_charges_once(shop: OrdersWorld) -> None:
    faults = [Fault(state="ChargePayment", error="Lambda.TooManyRequestsException", times=2)]
    result = shop.run(order("o-retry", ("SKU-1", 1)), faults=faults)
    assert result.status == "SUCCEEDED", result.trace()
    assert result.entered("ChargePayment") == 1 and result.retries >= 2
    assert list(shop.ledger()["o-retry"]) == ["CHARGE"]
    assert shop.balance("pm_alice") == 500_000 - 1999


def test_a_step_repeated_after_its_side_effect_does_not_repeat_it(shop: OrdersWorld) -> None:
    """An earlier attempt reserved SKU-2 and charged the order, but its result was lost."""
    dynamodb = shop.dynamodb
    dynamodb.update_item(
        TableName=shop.inventory_table,
        Key={"sku": {"S": "SKU-2"}},
        UpdateExpression="SET available = available - :q, #hold = :q",
        ExpressionAttributeNames={"#hold": "reservation:o-replay"},
        ExpressionAttributeValues={":q": {"N": "2"}},
    )
    LedgerAdapter(shop.ledger_table, dynamodb).charge(
        ChargeRequest("o-replay", "cust-1", 1000, "USD", "pm_alice")
    )
    result = shop.run(order("o-replay", ("SKU-2", 2, "5.00")))
    assert result.status == "SUCCEEDED", result.trace()
    assert "ConfirmReservation" in result.states
    assert shop.inventory()["SKU-2"] == {"available": 3, "sold": 2, "holds": {}}
    assert shop.balance("pm_alice") == 500_000 - 1000


# ---- designed failures ----------------------------------------------------------------------


def test_invalid_order_fails_fast_and_writes_nothing(shop: OrdersWorld) -> None:
    bad = order("o-bad", ("SKU-1", 0, "1.00"))
    result = shop.run(bad)
    assert (result.status, result.error) == ("FAILED", "InvalidOrder")
    assert result.cause == "items[0].quantity: must be between 1 and 1000"
    assert result.states == ("Validate", "ExplainInvalidOrder", "OrderInvalid")
    assert shop.statuses() == {}
    assert shop.ledger() == {}
    assert {sku: row["available"] for sku, row in shop.inventory().items()} == OPENING_STOCK


def test_out_of_stock_on_the_second_item_releases_the_first(shop: OrdersWorld) -> None:
    result = shop.run(order("o-oos", ("SKU-1", 3), ("SKU-3", 2)))
    assert (result.status, result.error) == ("FAILED", "OutOfStock")
    assert "SKU-3" in (result.cause or "")
    assert result.entered("ReleaseItem") == 2 and result.entered("ReleaseItemSkipped") == 1
    assert compensations(result) == ["RecordReleasing", "ReleaseInventory"]
    assert shop.available("SKU-1") == 10 and shop.available("SKU-3") == 1
    status = shop.status("o-oos")
    assert (status["status"], status["reason"]) == ("FAILED", "OutOfStock")
    assert shop.ledger() == {}


def test_unknown_sku_is_refused_by_name_before_anything_is_reserved(shop: OrdersWorld) -> None:
    result = shop.run(order("o-ghost", ("SKU-1", 1), ("NOPE", 1)))
    assert (result.status, result.error) == ("FAILED", "UnknownSku")
    assert result.cause == "items[1].sku: NOPE is not in the catalog"
    assert result.states == ("Validate", "ExplainRefusedOrder", "OrderRefused")
    assert "NOPE" not in shop.inventory() and shop.available("SKU-1") == 10
    assert shop.statuses() == {} and shop.ledger() == {}


def test_an_inactive_sku_is_refused_by_name(shop: OrdersWorld) -> None:
    result = shop.run(order("o-old", ("SKU-OLD", 1)))
    assert (result.status, result.error) == ("FAILED", "InactiveSku")
    assert shop.available("SKU-OLD") == 5 and shop.statuses() == {}


def test_payment_declined_releases_inventory(shop: OrdersWorld) -> None:
    declined = order("o-declined", ("SKU-1", 2, "19.99"), payment={"token": "pm_broke"})
    result = shop.run(declined)
    assert (result.status, result.error) == ("FAILED", "PaymentDeclined")
    assert compensations(result) == ["RecordReleasing", "ReleaseInventory"]
    assert shop.available("SKU-1") == 10
    assert shop.balance("pm_broke") == 1_000
    assert shop.ledger() == {}
    status = shop.status("o-declined")
    assert (status["status"], status["reason"]) == ("FAILED", "PaymentDeclined")
    assert "insufficient funds" in status["reasonDetail"]


def test_shipment_failure_refunds_then_releases(shop: OrdersWorld) -> None:
    address = {**order("x")["shippingAddress"], "country": "BR", "postalCode": "01000-000"}
    result = shop.run(order("o-noship", ("SKU-2", 2, "5.00"), shippingAddress=address))
    assert (result.status, result.error) == ("FAILED", "AddressUndeliverable")
    assert compensations(result) == [
        "RecordRefunding",
        "RefundPayment",
        "RecordReleasing",
        "ReleaseInventory",
    ]
    assert set(shop.ledger()["o-noship"]) == {"CHARGE", "REFUND"}
    assert shop.balance("pm_alice") == 500_000
    assert shop.available("SKU-2") == 5
    assert shop.shipment("o-noship") is None
    assert shop.status("o-noship")["reason"] == "AddressUndeliverable"


def test_notification_failure_undoes_every_step_in_reverse(shop: OrdersWorld) -> None:
    faults = [Fault(state="PublishOrderCompleted", error="EventBridge.FailedEntry", times=None)]
    result = shop.run(order("o-nonotify", ("SKU-1", 1)), faults=faults)
    assert (result.status, result.error) == ("FAILED", "EventBridge.FailedEntry")
    assert compensations(result) == [
        "RecordCancelling",
        "CancelShipment",
        "RecordRefunding",
        "RefundPayment",
        "RecordReleasing",
        "ReleaseInventory",
    ]
    shipment = shop.shipment("o-nonotify")
    assert shipment is not None and shipment["status"]["S"] == "CANCELLED"
    assert shop.balance("pm_alice") == 500_000 and shop.available("SKU-1") == 10
    assert shop.status("o-nonotify")["status"] == "FAILED"


# ---- a compensation that keeps failing ------------------------------------------------------


def test_a_refund_that_keeps_failing_parks_the_order(shop: OrdersWorld, runner: LocalRunner) -> None:
    address = {**order("x")["shippingAddress"], "country": "BR", "postalCode": "01000-000"}
    faults = [Fault(state="RefundPayment", error="PaymentProviderUnavailable", times=None)]
    # Nobody answers the parked order within parkedTimeoutDays (virtual time): it stays parked.
    result = shop.run(
        order("o-stuck", ("SKU-2", 1, "5.00"), shippingAddress=address),
        faults=faults,
        on_task_token=lambda pending: TaskTimeout() if pending.state == "AwaitOperator" else None,
    )
    assert (result.status, result.error) == ("FAILED", "OrderNeedsAttention")
    assert result.entered("RefundPayment") == 1
    assert result.retries >= OrdersSettings().compensation_max_attempts
    assert "ReleaseInventory" not in result.states
    status = shop.status("o-stuck")
    assert (status["status"], status["step"]) == ("NEEDS_ATTENTION", "REFUND_PAYMENT")
    assert status["attentionError"] == "PaymentProviderUnavailable"
    assert status["reason"] == "AddressUndeliverable", "the failure that started compensating"
    [message] = shop.parked()
    assert set(message) == {"orderId", "executionId", "parkedAt", "step", "error"}, "no state, no data"
    assert message["orderId"] == "o-stuck" and message["step"] == "REFUND_PAYMENT"
    assert message["error"] == "PaymentProviderUnavailable"
    assert message["executionId"] == result.execution_arn
    metrics = runner.client("cloudwatch").list_metrics(Namespace="Stepwise", MetricName="OrdersParked")[
        "Metrics"
    ]
    assert {"Name": "Environment", "Value": "dev"} in metrics[0]["Dimensions"]
    assert shop.inventory()["SKU-2"]["holds"] == {"o-stuck": 1}


# ---- human approval -------------------------------------------------------------------------

BIG_ORDER = (("SKU-4", 1, "1200.00"),)


@pytest.fixture(scope="module")
def approval_requests(runner: LocalRunner) -> str:
    topic = runner.resource("Workflow/ApprovalRequests").ref
    return subscribe_queue(runner, topic, "test-approval-requests")


def await_approval_request(shop: OrdersWorld, execution: Any, order_id: str) -> dict[str, str]:
    """Wait until the saga parked its token on the status item, as a reviewer would."""
    execution.wait_for_task_token("RequestApproval")
    for _ in range(2000):
        status = shop.status(order_id)
        if status.get("status") == "AWAITING_APPROVAL":
            return status
        execution.run.finished.wait(0.005)
    raise AssertionError(f"{order_id} never reached AWAITING_APPROVAL: {shop.status(order_id)}")


def approver(runner: LocalRunner, session_name: str = "rita") -> Clients:
    """The approval tool's clients with the credentials of the stack's approver role, assumed as
    `session_name` (moto maps the session's access key back to the assumed role)."""
    return Clients.default(assumed_session(runner, "Workflow/Approver", session_name))


def reviewer_arn(runner: LocalRunner, session_name: str = "rita") -> str:
    role = runner.resource("Workflow/Approver")
    return f"arn:aws:sts::{role.arn.split(':')[4]}:assumed-role/{role.name}/{session_name}"


def decide_as_reviewer(shop: OrdersWorld, order_id: str, decision: str, comment: str = "") -> dict[str, str]:
    return decide(
        order_id,
        decision,  # type: ignore[arg-type]
        comment=comment,
        table_name=shop.status_table,
        clients=approver(shop.runner),
    )


def stored_token(shop: OrdersWorld, order_id: str, ciphertext: bytes) -> str:
    """The task token a ciphertext holds (what a reviewer's tool decrypts), for replay attempts."""
    context = {"orderId": order_id, "executionId": shop.status(order_id)["executionId"]}
    plaintext = approver(shop.runner).kms.decrypt(CiphertextBlob=ciphertext, EncryptionContext=context)
    return bytes(plaintext["Plaintext"]).decode()


def test_approval_granted_completes_the_order(
    shop: OrdersWorld, runner: LocalRunner, approval_requests: str
) -> None:
    drain(runner, approval_requests)
    big = order("o-big", *BIG_ORDER)
    shop.submitted["o-big"] = big
    execution = runner.start_execution(big, name=execution_name("o-big"))
    waiting = await_approval_request(shop, execution, "o-big")
    assert waiting["step"] == "APPROVAL" and waiting["approvalReason"] == "ORDER_TOTAL"
    token = stored_token(shop, "o-big", waiting["approvalTokenCiphertext"])
    [request] = drain_until(runner, approval_requests, count=1)
    assert request["orderId"] == "o-big" and request["total"] == "1200.00"
    assert request["reason"] == "ORDER_TOTAL"
    assert token not in json.dumps(request) and token.encode() not in waiting["approvalTokenCiphertext"]
    assert shop.balance("pm_alice") == 500_000, "nothing is charged before the decision"

    recorded = decide_as_reviewer(shop, "o-big", "approve", "known customer")
    result = execution.wait()
    assert result.status == "SUCCEEDED", result.trace()
    assert result.output["approval"]["decision"] == "APPROVED"
    status = shop.status("o-big")
    assert (status["status"], status["approvalDecision"]) == ("COMPLETED", "APPROVED")
    assert status["approvalReviewer"] == recorded["reviewer"] == reviewer_arn(runner, "rita")
    assert "approvalTokenCiphertext" not in status
    assert "rita" not in json.dumps(result.output), "who decided stays on the status item"
    assert shop.balance("pm_alice") == 500_000 - 120_000


def test_approval_rejected_releases_and_records_rejected(shop: OrdersWorld, runner: LocalRunner) -> None:
    big = order("o-nope", *BIG_ORDER)
    shop.submitted["o-nope"] = big
    execution = runner.start_execution(big, name=execution_name("o-nope"))
    await_approval_request(shop, execution, "o-nope")
    decide_as_reviewer(shop, "o-nope", "reject", "looks like fraud")
    result = execution.wait()
    assert (result.status, result.error) == ("FAILED", "OrderRejected")
    # moto 5.2.5 drops SendTaskFailure's `cause`; the decision is on the status item regardless.
    assert compensations(result) == ["RecordReleasing", "ReleaseInventory"]
    status = shop.status("o-nope")
    assert (status["status"], status["reason"]) == ("REJECTED", "OrderRejected")
    assert (status["approvalReviewer"], status["approvalComment"]) == (
        reviewer_arn(runner, "rita"),
        "looks like fraud",
    )
    assert shop.available("SKU-4") == 5 and shop.ledger() == {}
    with pytest.raises(ApprovalError, match="is REJECTED, not awaiting approval"):
        decide_as_reviewer(shop, "o-nope", "approve")


def test_approval_timeout_rejects_the_order(shop: OrdersWorld, runner: LocalRunner) -> None:
    late = order("o-late", *BIG_ORDER)
    shop.submitted["o-late"] = late
    execution = runner.start_execution(late, name=execution_name("o-late"))
    waiting = await_approval_request(shop, execution, "o-late")
    token = stored_token(shop, "o-late", waiting["approvalTokenCiphertext"])
    # Nobody answers the reviewer's token: its TimeoutSeconds pass (virtual time), as on AWS.
    result = execution.wait(on_task_token=lambda pending: TaskTimeout() if pending.token == token else None)
    assert (result.status, result.error) == ("FAILED", "ApprovalTimedOut"), result.trace()
    assert "No approval decision within 86400 seconds" in (result.cause or "")
    assert result.simulated_seconds >= OrdersSettings().approval_timeout_seconds
    status = shop.status("o-late")
    assert (status["status"], status["reason"]) == ("REJECTED", "ApprovalTimedOut")
    assert shop.available("SKU-4") == 5 and shop.ledger() == {}


# ---- duplicates -----------------------------------------------------------------------------


def test_starting_the_same_order_twice_charges_once(shop: OrdersWorld, runner: LocalRunner) -> None:
    first = shop.run(order("o-twice", ("SKU-1", 1)))
    assert first.status == "SUCCEEDED"
    with pytest.raises(ClientError, match="ExecutionAlreadyExists"):
        shop.run(order("o-twice", ("SKU-1", 1)))
    renamed = shop.run(order("o-twice", ("SKU-1", 1)), name="someone-else-s-name")
    assert (renamed.status, renamed.error) == ("FAILED", "DuplicateOrder")
    assert renamed.states == ("Validate", "DuplicateOrder")
    assert list(shop.ledger()["o-twice"]) == ["CHARGE"]
    assert shop.balance("pm_alice") == 500_000 - 1999
    assert shop.inventory()["SKU-1"] == {"available": 9, "sold": 1, "holds": {}}
    assert shop.status("o-twice")["executionId"] == first.execution_arn
