"""The order saga's state graph, built from the resources `OrderSaga` creates.

State data (JSONPath): `$.order` (normalized by Validate, without personal data: the shipping
address and payment token are on the order's item in the personal data table, which Validate
writes and ChargePayment/CreateShipment read by order id), `$.progress` (last recorded status),
`$.reservation`, `$.approval`, `$.charge`, `$.shipment`; `$.failure` holds the error that
started compensation, `$.compensationFailure` the one that parked the order, `$.operator` the
operator's answer to a parked order and `$.operatorAnswer` a give-up or the wait's timeout.

A parked order waits for an operator (AwaitOperator, `.waitForTaskToken`). Retry resumes at
ResumeCompensation, a Choice on the recorded step (`$.progress.step`): without `$.failure` the
forward path had finished (settling the stock or recording COMPLETED failed), so it settles again;
otherwise it compensates again from that step's compensation, in reverse. Every compensation is
idempotent, so one that had already succeeded (its step recorded, the next one's record failed)
changes nothing when run again.

Inventory items (`sku`) hold `available`, `sold` and one `reservation:<orderId>` attribute per
order holding stock: reserve, release and settle are conditional updates on that attribute, so
each is idempotent (a retried update never moves stock twice) and the invariant
`opening stock = available + sum(reservation:*) + sold` always holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import Aws, Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.common import (
    CLOUDWATCH_RETRY,
    DYNAMODB_RETRY,
    EVENTBRIDGE_RETRY,
    LAMBDA_RETRY,
    SNS_RETRY,
    SQS_RETRY,
    PythonTaskFunction,
    RetryPolicy,
    invoke_lambda,
)
from stacks.common.contracts import handler_contract
from stacks.common.platform import Platform
from stacks.common.tasks import (
    IN_PROGRESS_ERROR,
    TIMEOUT_MARGIN,
    await_task_token,
    never_retried,
    outlasting_retry,
)
from stacks.orders.settings import OrdersSettings

contract = handler_contract("orders")
EVENT_SOURCE = "stepwise.orders"
NATIVE_TIMEOUT = Duration.seconds(30)
CONDITION_FAILED = "DynamoDB.ConditionalCheckFailedException"
REJECTION_ERRORS = ("OrderRejected", "ApprovalTimedOut")
# Validate's refusals other than InvalidOrder, each named as the execution's error.
REFUSALS = ("UnknownSku", "InactiveSku", "PriceChanged", "PaymentMethodNotOwned")
# Ends that are the business saying no, fully compensated: they are counted, but page nobody.
BUSINESS_OUTCOMES = (
    "InvalidOrder",
    *REFUSALS,
    "DuplicateOrder",
    "OutOfStock",
    "PaymentDeclined",
    "AddressUndeliverable",
    *REJECTION_ERRORS,
)

# The step recorded when a failure started compensating -> the compensation that undoes it (and
# everything before it); any other step (RESERVE_INVENTORY, RELEASE_INVENTORY) releases the stock.
RESUME_STEPS = {
    "cancel": ("CREATE_SHIPMENT", "CANCEL_SHIPMENT"),
    "refund": ("CHARGE_PAYMENT", "REFUND_PAYMENT"),
}

# Every DynamoDB write of the saga is conditional (a repeat finds its own write): a timed-out call
# is retried like a throttled one.
DYNAMODB_TASK_RETRY = DYNAMODB_RETRY.with_errors("States.Timeout")


@dataclass(frozen=True)
class SagaResources:
    """Everything the state graph refers to."""

    platform: Platform
    settings: OrdersSettings
    status_table: dynamodb.ITableV2
    personal_data_table: dynamodb.ITableV2
    inventory_table: dynamodb.ITableV2
    customer_topic: sns.ITopic
    event_bus: events.IEventBus
    parked_queue: sqs.IQueue
    validate: PythonTaskFunction
    request_approval: PythonTaskFunction
    await_operator: PythonTaskFunction
    charge: PythonTaskFunction
    refund: PythonTaskFunction
    create_shipment: PythonTaskFunction
    cancel_shipment: PythonTaskFunction
    parked_metric_name: str
    metrics_namespace: str


def _string(path: str) -> tasks.DynamoAttributeValue:
    return tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at(path))


def _number(path: str) -> tasks.DynamoAttributeValue:
    return tasks.DynamoAttributeValue.number_from_string(
        sfn.JsonPath.json_to_string(sfn.JsonPath.number_at(path))
    )


def _hold() -> str:
    """The item attribute that holds this order's reserved quantity (`reservation:<orderId>`)."""
    return sfn.JsonPath.format("reservation:{}", sfn.JsonPath.string_at("$.orderId"))


def compensation_retry(settings: OrdersSettings) -> RetryPolicy:
    """Compensations must try hard: every error is retried (designed final errors are
    excluded by a `MaxAttempts: 0` retrier placed before this one)."""
    return RetryPolicy(
        ("States.ALL",),
        interval=Duration.seconds(2),
        max_attempts=settings.compensation_max_attempts,
        backoff_rate=2.0,
        max_delay=Duration.seconds(60),
    )


def failure_text(path: str = "$.failure") -> str:
    """The whole error object as text: always present, unlike a catcher's optional `Cause`."""
    return sfn.JsonPath.json_to_string(sfn.JsonPath.object_at(path))


class SagaDefinition(Construct):
    """Builds the chain; `chain` is the start of the definition."""

    chain: sfn.IChainable

    def __init__(self, scope: Construct, construct_id: str, resources: SagaResources) -> None:
        super().__init__(scope, construct_id)
        self.r = resources
        self.parking = self._parking()
        self.release_entry = self._release_compensation()
        self.refund_entry = self._refund_compensation(self.release_entry)
        self.cancel_entry = self._cancel_compensation(self.refund_entry)
        self.chain = self._forward()
        self._resume_routes()

    # ---- forward path -------------------------------------------------------------------

    def _forward(self) -> sfn.IChainable:
        validate, duplicate, not_accepted = self._validate()
        record_reserving = self._record_start()
        forget = self._forget_personal_data()
        forget.add_catch(not_accepted, errors=["States.ALL"], result_path="$.forgetFailure")
        forget.next(not_accepted)
        record_reserving.add_catch(duplicate, errors=[CONDITION_FAILED], result_path="$.failure")
        record_reserving.add_catch(forget, errors=["States.ALL"], result_path="$.failure")

        reserve = self._reserve_inventory()
        reserve.add_catch(self.release_entry, errors=["States.ALL"], result_path="$.failure")

        out_of_stock = self._fail_and_release(
            "OutOfStock",
            {
                "Error": "OutOfStock",
                "Cause.$": "States.Format('Not enough stock. Lines {} were {}', "
                "States.JsonToString($.order.items), States.JsonToString($.reservation.outcomes))",
            },
        )
        reservation_failed = self._fail_and_release(
            "ReservationFailed",
            {
                "Error": "ReservationFailed",
                "Cause": "A stock reservation failed after its retries; every item is released.",
            },
        )

        approval = self._request_approval()
        charge_chain = self._charge_and_ship()
        approval.next(charge_chain)
        route = (
            sfn.Choice(self, "Route")
            .when(sfn.Condition.boolean_equals("$.reservation.outOfStock", True), out_of_stock)
            .when(sfn.Condition.boolean_equals("$.reservation.failed", True), reservation_failed)
            .when(sfn.Condition.boolean_equals("$.order.requiresApproval", True), approval)
            .otherwise(charge_chain)
        )
        return validate.next(record_reserving).next(reserve).next(route)

    def _validate(self) -> tuple[tasks.LambdaInvoke, sfn.Fail, sfn.Fail]:
        """Validate with its refusals; returns it, `DuplicateOrder` and `OrderNotAccepted`."""
        validate = invoke_lambda(
            self,
            "Validate",
            self.r.validate,
            result_path="$",
            retry=LAMBDA_RETRY.with_errors(
                "PersonalDataUnavailable",
                "CatalogUnavailable",
                "SpendRecordUnavailable",
                "PaymentProviderUnavailable",
            ),
            comment="Schema, catalog prices, payment method owner; stores the personal data",
        )
        invalid = sfn.Fail(
            self, "OrderInvalid", error="InvalidOrder", cause_path="$.failure.Cause.errorMessage"
        )
        explain = sfn.Pass(
            self,
            "ExplainInvalidOrder",
            parameters={
                "Error.$": "$.Error",
                "Cause.$": "States.StringToJson($.Cause)",
            },
            result_path="$.failure",
            comment="The Lambda error's message names the offending field",
        ).next(invalid)
        not_accepted = sfn.Fail(
            self,
            "OrderNotAccepted",
            error="OrderNotAccepted",
            cause="The order could not be validated or recorded; nothing was reserved or charged.",
        )
        duplicate = sfn.Fail(
            self,
            "DuplicateOrder",
            error="DuplicateOrder",
            cause="Another execution already owns this order id; nothing was changed.",
        )
        refused = self._refusal()
        validate.add_catch(explain, errors=["InvalidOrder", "InvalidInput"], result_path="$")
        validate.add_catch(refused, errors=list(REFUSALS), result_path="$")
        validate.add_catch(duplicate, errors=["DuplicateOrder"], result_path="$")
        validate.add_catch(not_accepted, errors=["States.ALL"], result_path="$")
        return validate, duplicate, not_accepted

    def _refusal(self) -> sfn.IChainable:
        """ExplainRefusedOrder -> OrderRefused: the refusal's name is the execution's error."""
        # The error replaces the state: the input may not even be an object (`[...]`, `"..."`).
        # InvalidInput: the task wrapper's refusal of an order that is not a JSON object.
        return sfn.Pass(
            self,
            "ExplainRefusedOrder",
            parameters={
                "Error.$": "$.Error",
                "Cause.$": "States.StringToJson($.Cause)",
            },
            result_path="$.failure",
            comment="Priced or paid wrongly: the error names the refusal, the message the line",
        ).next(
            sfn.Fail(
                self,
                "OrderRefused",
                error_path="$.failure.Error",
                cause_path="$.failure.Cause.errorMessage",
            )
        )

    def _forget_personal_data(self) -> tasks.DynamoDeleteItem:
        """An order that is not accepted keeps nothing: delete the personal data this execution stored."""
        task = tasks.DynamoDeleteItem(
            self,
            "ForgetPersonalData",
            table=self.r.personal_data_table,
            key={"orderId": _string("$.order.orderId")},
            condition_expression="executionId = :executionId",
            expression_attribute_values={
                ":executionId": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.execution_id)
            },
            result_path=sfn.JsonPath.DISCARD,
            task_timeout=sfn.Timeout.duration(NATIVE_TIMEOUT),
            comment="Only this execution's own item (a retried Validate may have stored it)",
        )
        never_retried(task, CONDITION_FAILED)
        DYNAMODB_TASK_RETRY.applied_to(task)
        return task

    def _fail_and_release(self, construct_id: str, failure: dict[str, str]) -> sfn.IChainable:
        """A failure a Choice or catcher names: set `$.failure`, then release the reservations."""
        return sfn.Pass(self, construct_id, parameters=failure, result_path="$.failure").next(
            self.release_entry
        )

    def _request_approval(self) -> tasks.LambdaInvoke:
        r = self.r
        timeout = r.settings.approval_timeout_seconds
        task = await_task_token(
            self,
            "RequestApproval",
            r.request_approval,
            payload={
                "orderId": sfn.JsonPath.string_at("$.order.orderId"),
                "customerId": sfn.JsonPath.string_at("$.order.customerId"),
                "total": sfn.JsonPath.string_at("$.order.total"),
                "currency": sfn.JsonPath.string_at("$.order.currency"),
                "approvalReason": sfn.JsonPath.string_at("$.order.approvalReason"),
                "spendInWindow": sfn.JsonPath.string_at("$.order.spendInWindow"),
            },
            timeout=Duration.seconds(timeout),
            result_path="$.approval",
            comment="Waits for approve/reject (scripts.orders.approval) or the timeout",
        )
        timed_out = self._fail_and_release(
            "ApprovalTimedOut",
            {
                "Error": "ApprovalTimedOut",
                "Cause": f"No approval decision within {timeout} seconds; the order is rejected.",
            },
        )
        task.add_catch(self.release_entry, errors=["OrderRejected"], result_path="$.failure")
        task.add_catch(timed_out, errors=["States.Timeout"], result_path="$.failure")
        task.add_catch(self.release_entry, errors=["States.ALL"], result_path="$.failure")
        return task

    def _charge_and_ship(self) -> sfn.IChainable:
        r = self.r
        record_charging = self._record("RecordCharging", "IN_PROGRESS", "CHARGE_PAYMENT")
        record_charging.add_catch(self.release_entry, errors=["States.ALL"], result_path="$.failure")
        charge = invoke_lambda(
            self,
            "ChargePayment",
            r.charge,
            payload={
                "orderId": sfn.JsonPath.string_at("$.order.orderId"),
                "customerId": sfn.JsonPath.string_at("$.order.customerId"),
                "amountMinor": sfn.JsonPath.number_at("$.order.totalMinor"),
                "currency": sfn.JsonPath.string_at("$.order.currency"),
            },
            result_path="$.charge",
            retry=None,
        )
        self._retry_idempotent(charge, r.charge, LAMBDA_RETRY.with_errors("PaymentProviderUnavailable"))
        charge.add_catch(
            self.release_entry, errors=["PaymentDeclined", "PaymentMethodNotOwned"], result_path="$.failure"
        )
        charge.add_catch(self.refund_entry, errors=["States.ALL"], result_path="$.failure")

        record_shipping = self._record("RecordShipping", "IN_PROGRESS", "CREATE_SHIPMENT")
        record_shipping.add_catch(self.refund_entry, errors=["States.ALL"], result_path="$.failure")
        ship = invoke_lambda(
            self,
            "CreateShipment",
            r.create_shipment,
            payload={
                "orderId": sfn.JsonPath.string_at("$.order.orderId"),
                "items": sfn.JsonPath.list_at("$.order.items"),
            },
            result_path="$.shipment",
            retry=None,
        )
        self._retry_idempotent(ship, r.create_shipment, LAMBDA_RETRY.with_errors("ShipmentStoreUnavailable"))
        ship.add_catch(self.refund_entry, errors=["AddressUndeliverable"], result_path="$.failure")
        ship.add_catch(self.cancel_entry, errors=["States.ALL"], result_path="$.failure")

        notify = self._notify()
        notify.add_catch(self.cancel_entry, errors=["States.ALL"], result_path="$.failure")
        settle, complete = self._settle_and_complete()
        return (
            record_charging.next(charge)
            .next(record_shipping)
            .next(ship)
            .next(notify)
            .next(settle)
            .next(complete)
        )

    def _settle_and_complete(self) -> tuple[sfn.Map, sfn.IChainable]:
        """SettleInventory, then RecordCompleted -> OrderCompleted; either failing parks the order."""
        settle = self._inventory_map(
            "SettleInventory",
            "SettleItem",
            update="SET sold = if_not_exists(sold, :zero) + :quantity REMOVE #hold",
            done="SETTLED",
            absent="ALREADY_SETTLED",
            retry=DYNAMODB_TASK_RETRY,
            comment="Turn the order's reservations into sold stock",
        )
        settle.add_catch(self.parking, errors=["States.ALL"], result_path="$.compensationFailure")
        self.settle = settle
        # COMPLETED is written last, once the stock is sold: a status that says COMPLETED never
        # stands beside a reservation (a failed settle parks the order, and if marking it
        # NEEDS_ATTENTION fails too, the status still says IN_PROGRESS and the queue has it).
        record_completed = self._record(
            "RecordCompleted",
            "COMPLETED",
            "DONE",
            extra={
                "chargeId": _string("$.charge.chargeId"),
                "shipmentId": _string("$.shipment.shipmentId"),
                "completedAt": _string("$$.State.EnteredTime"),
            },
            result_path=sfn.JsonPath.DISCARD,
        )
        record_completed.add_catch(self.parking, errors=["States.ALL"], result_path="$.compensationFailure")
        completed = sfn.Succeed(self, "OrderCompleted")
        return settle, record_completed.next(completed)

    def _notify(self) -> sfn.Parallel:
        r = self.r
        summary = {
            "orderId": sfn.JsonPath.string_at("$.order.orderId"),
            "customerId": sfn.JsonPath.string_at("$.order.customerId"),
            "status": "COMPLETED",
            "total": sfn.JsonPath.string_at("$.order.total"),
            "currency": sfn.JsonPath.string_at("$.order.currency"),
            "shipmentId": sfn.JsonPath.string_at("$.shipment.shipmentId"),
        }
        confirm = tasks.SnsPublish(
            self,
            "PublishConfirmation",
            topic=r.customer_topic,
            subject="Your order is confirmed",
            message=sfn.TaskInput.from_object(summary),
            message_attributes={
                "customerId": tasks.MessageAttribute(value=sfn.JsonPath.string_at("$.order.customerId")),
                "orderId": tasks.MessageAttribute(value=sfn.JsonPath.string_at("$.order.orderId")),
            },
            result_path=sfn.JsonPath.DISCARD,
            task_timeout=sfn.Timeout.duration(NATIVE_TIMEOUT),
        )
        SNS_RETRY.applied_to(confirm)
        event = tasks.EventBridgePutEvents(
            self,
            "PublishOrderCompleted",
            entries=[
                tasks.EventBridgePutEventsEntry(
                    event_bus=r.event_bus,
                    source=EVENT_SOURCE,
                    detail_type="OrderCompleted",
                    detail=sfn.TaskInput.from_object(
                        {
                            **summary,
                            "totalMinor": sfn.JsonPath.number_at("$.order.totalMinor"),
                            "items": sfn.JsonPath.list_at("$.order.items"),
                            "chargeId": sfn.JsonPath.string_at("$.charge.chargeId"),
                            "executionId": sfn.JsonPath.execution_id,
                        }
                    ),
                )
            ],
            result_path=sfn.JsonPath.DISCARD,
            task_timeout=sfn.Timeout.duration(NATIVE_TIMEOUT),
        )
        EVENTBRIDGE_RETRY.applied_to(event)
        return sfn.Parallel(self, "Notify", result_path=sfn.JsonPath.DISCARD).branch(confirm).branch(event)

    # ---- inventory maps ------------------------------------------------------------------

    def _reserve_inventory(self) -> sfn.Map:
        """One conditional update per item; an iteration never fails, it returns its outcome
        (`RESERVED`, `OUT_OF_STOCK` or `FAILED`), so the Map result lines up with the items."""
        reserve = self._reservation_update(
            "ReserveItem",
            update="SET available = available - :quantity, #hold = :quantity",
            condition="available >= :quantity AND attribute_not_exists(#hold)",
        )
        confirm = self._reservation_update(
            "ConfirmReservation",
            update="SET #hold = :quantity",
            condition="#hold = :quantity",
            comment="A retried reservation that already holds this order's stock",
        )
        not_enough = sfn.Pass(
            self, "NotEnoughStock", result=sfn.Result.from_string("OUT_OF_STOCK"), result_path="$"
        )
        unknown = sfn.Pass(
            self, "ReservationUnknown", result=sfn.Result.from_string("FAILED"), result_path="$"
        )
        reserve.add_catch(confirm, errors=[CONDITION_FAILED], result_path="$.error")
        reserve.add_catch(unknown, errors=["States.ALL"], result_path="$.error")
        confirm.add_catch(not_enough, errors=[CONDITION_FAILED], result_path="$.error")
        confirm.add_catch(unknown, errors=["States.ALL"], result_path="$.error")
        return sfn.Map(
            self,
            "ReserveInventory",
            items_path="$.order.items",
            item_selector=self._item_selector(),
            max_concurrency=self.r.settings.reservation_concurrency,
            result_selector={
                "outOfStock.$": "States.ArrayContains($, 'OUT_OF_STOCK')",
                "failed.$": "States.ArrayContains($, 'FAILED')",
                "outcomes.$": "$",
            },
            result_path="$.reservation",
        ).item_processor(reserve)

    def _reservation_update(
        self, construct_id: str, *, update: str, condition: str, comment: str | None = None
    ) -> tasks.DynamoUpdateItem:
        """A reserve-stage update of one item's hold; its output is the `RESERVED` status."""
        task = tasks.DynamoUpdateItem(
            self,
            construct_id,
            table=self.r.inventory_table,
            key={"sku": _string("$.sku")},
            update_expression=update,
            condition_expression=condition,
            expression_attribute_names={"#hold": _hold()},
            expression_attribute_values={":quantity": _number("$.quantity")},
            result_selector={"status": "RESERVED"},
            result_path="$.outcome",
            output_path="$.outcome.status",
            task_timeout=sfn.Timeout.duration(NATIVE_TIMEOUT),
            comment=comment,
        )
        DYNAMODB_TASK_RETRY.applied_to(task)
        return task

    def _inventory_map(
        self,
        map_id: str,
        item_id: str,
        *,
        update: str,
        done: str,
        absent: str,
        retry: RetryPolicy,
        comment: str,
    ) -> sfn.Map:
        """A Map of conditional updates on the order's `reservation:<orderId>` attribute."""
        values = {":quantity": _number("$.quantity")}
        if ":zero" in update:
            values[":zero"] = tasks.DynamoAttributeValue.from_number(0)
        item = tasks.DynamoUpdateItem(
            self,
            item_id,
            table=self.r.inventory_table,
            key={"sku": _string("$.sku")},
            update_expression=update,
            condition_expression="#hold = :quantity",
            expression_attribute_names={"#hold": _hold()},
            expression_attribute_values=values,
            result_selector={"status": done},
            result_path="$.outcome",
            task_timeout=sfn.Timeout.duration(NATIVE_TIMEOUT),
        )
        never_retried(item, CONDITION_FAILED)
        retry.applied_to(item)
        nothing = sfn.Pass(
            self,
            f"{item_id}Skipped",
            result=sfn.Result.from_object({"status": absent}),
            result_path="$.outcome",
            comment="The order holds no stock of this item (never reserved, or already done)",
        )
        item.add_catch(nothing, errors=[CONDITION_FAILED], result_path="$.error")
        return sfn.Map(
            self,
            map_id,
            items_path="$.order.items",
            item_selector=self._item_selector(),
            max_concurrency=self.r.settings.reservation_concurrency,
            result_path=sfn.JsonPath.DISCARD,
            comment=comment,
        ).item_processor(item)

    @staticmethod
    def _item_selector() -> dict[str, Any]:
        return {
            "orderId": sfn.JsonPath.string_at("$.order.orderId"),
            "sku": sfn.JsonPath.string_at("$$.Map.Item.Value.sku"),
            "quantity": sfn.JsonPath.number_at("$$.Map.Item.Value.quantity"),
        }

    # ---- compensations (reverse order) ---------------------------------------------------

    def _release_compensation(self) -> sfn.IChainable:
        record = self._record("RecordReleasing", "COMPENSATING", "RELEASE_INVENTORY", reason=True)
        release = self._inventory_map(
            "ReleaseInventory",
            "ReleaseItem",
            update="SET available = available + :quantity REMOVE #hold",
            done="RELEASED",
            absent="NOT_RESERVED",
            retry=compensation_retry(self.r.settings),
            comment="Compensation: give every reserved unit back",
        )
        self._park_on_failure(record, release)
        record_rejected = self._record("RecordRejected", "REJECTED", "DONE", reason=True)
        record_failed = self._record("RecordFailed", "FAILED", "DONE", reason=True)
        self._park_on_failure(record_rejected, record_failed)
        rejected = sfn.Fail(self, "Rejected", error_path="$.failure.Error", cause_path=failure_text())
        failed = (
            sfn.Choice(self, "FailureKind")
            .when(
                sfn.Condition.string_matches("$.failure.Error", "States.*"),
                sfn.Fail(self, "FailedInRuntime", error="OrderFailed", cause_path=failure_text()),
            )
            .otherwise(sfn.Fail(self, "Failed", error_path="$.failure.Error", cause_path=failure_text()))
        )
        outcome = (
            sfn.Choice(self, "Outcome")
            .when(
                sfn.Condition.or_(
                    *(sfn.Condition.string_equals("$.failure.Error", name) for name in REJECTION_ERRORS)
                ),
                record_rejected.next(rejected),
            )
            .otherwise(record_failed.next(failed))
        )
        record.next(release).next(outcome)
        return record

    def _refund_compensation(self, then: sfn.IChainable) -> sfn.IChainable:
        return self._lambda_compensation(
            "Refunding",
            "REFUND_PAYMENT",
            "RefundPayment",
            self.r.refund,
            payload={
                "orderId": sfn.JsonPath.string_at("$.order.orderId"),
                "reason": sfn.JsonPath.string_at("$.failure.Error"),
            },
            result_path="$.refund",
            final_errors=["RefundImpossible", "PaymentConflict"],
            then=then,
        )

    def _cancel_compensation(self, then: sfn.IChainable) -> sfn.IChainable:
        return self._lambda_compensation(
            "Cancelling",
            "CANCEL_SHIPMENT",
            "CancelShipment",
            self.r.cancel_shipment,
            payload={"orderId": sfn.JsonPath.string_at("$.order.orderId")},
            result_path="$.cancellation",
            final_errors=["ShipmentNotCancellable"],
            then=then,
        )

    def _lambda_compensation(
        self,
        stage: str,
        step: str,
        task_id: str,
        function: PythonTaskFunction,
        *,
        payload: dict[str, Any],
        result_path: str,
        final_errors: list[str],
        then: sfn.IChainable,
    ) -> sfn.IChainable:
        """Record `Record<stage>` (COMPENSATING at `step`), run the Lambda undo, continue with `then`.

        `final_errors` are not retried; everything else is retried hard, then the order is parked.
        """
        record = self._record(f"Record{stage}", "COMPENSATING", step, reason=True)
        undo = invoke_lambda(self, task_id, function, payload=payload, result_path=result_path, retry=None)
        never_retried(undo, *final_errors)
        self._retry_idempotent(undo, function, compensation_retry(self.r.settings))
        self._park_on_failure(record, undo)
        record.next(undo).next(then)  # type: ignore[arg-type]
        return record

    @staticmethod
    def _retry_idempotent(task: sfn.TaskStateBase, function: PythonTaskFunction, then: RetryPolicy) -> None:
        """Retry a Powertools-idempotent task: an attempt still in progress (an earlier invocation
        whose response was lost) is waited out beyond the function's timeout, then `then` applies."""
        outlasting_retry([IN_PROGRESS_ERROR], function.timeout.plus(TIMEOUT_MARGIN)).applied_to(task)
        then.applied_to(task)

    def _park_on_failure(self, *states: sfn.TaskStateBase | sfn.Map) -> None:
        for state in states:
            state.add_catch(self.parking, errors=["States.ALL"], result_path="$.compensationFailure")

    def _parking(self) -> sfn.IChainable:
        """Best effort, every step: queue what an operator needs (order id, step, error, execution;
        no state, which is in the execution's history), mark the order, count it, then wait for the
        operator's retry (ResumeCompensation) or give-up/timeout (NeedsAttention)."""
        r = self.r
        park = tasks.SqsSendMessage(
            self,
            "ParkOrder",
            queue=r.parked_queue,
            message_body=sfn.TaskInput.from_object(
                {
                    "orderId": sfn.JsonPath.string_at("$.order.orderId"),
                    "executionId": sfn.JsonPath.execution_id,
                    "parkedAt": sfn.JsonPath.string_at("$$.State.EnteredTime"),
                    "step": sfn.JsonPath.string_at("$.progress.step"),
                    "error": sfn.JsonPath.string_at("$.compensationFailure.Error"),
                }
            ),
            result_path=sfn.JsonPath.DISCARD,
            task_timeout=sfn.Timeout.duration(NATIVE_TIMEOUT),
        )
        SQS_RETRY.applied_to(park)
        mark = self._record(
            "RecordNeedsAttention",
            "NEEDS_ATTENTION",
            None,
            extra={
                "attentionError": _string("$.compensationFailure.Error"),
                "attentionDetail": tasks.DynamoAttributeValue.from_string(
                    failure_text("$.compensationFailure")
                ),
            },
            result_path=sfn.JsonPath.DISCARD,
        )
        count = self._count_parked()
        self.resume = sfn.Choice(self, "ResumeCompensation", comment="Retry from the recorded step")
        wait = self._await_operator()
        park.add_catch(mark, errors=["States.ALL"], result_path="$.parkingFailure")
        mark.add_catch(count, errors=["States.ALL"], result_path="$.parkingFailure")
        count.add_catch(wait, errors=["States.ALL"], result_path="$.parkingFailure")
        park.next(mark).next(count).next(wait)
        return park

    def _await_operator(self) -> tasks.LambdaInvoke:
        """Wait for the operator's answer (SendTaskSuccess `{"decision": "RETRY" | "GIVE_UP"}`); a
        give-up, the timeout, a SendTaskFailure or a failure to park the token leaves the order
        NEEDS_ATTENTION; any other answer is asked again (a new token)."""
        r = self.r
        task = await_task_token(
            self,
            "AwaitOperator",
            r.await_operator,
            payload={
                "orderId": sfn.JsonPath.string_at("$.order.orderId"),
                "step": sfn.JsonPath.string_at("$.progress.step"),
                "error": sfn.JsonPath.string_at("$.compensationFailure.Error"),
            },
            timeout=Duration.seconds(r.settings.parked_timeout_seconds),
            result_path="$.operator",
            comment="Waits for retry/give-up (scripts.orders.parked) or the timeout",
        )
        left = self._record(
            "RecordLeftParked",
            "NEEDS_ATTENTION",
            None,
            extra={"parkedOutcome": _string("$.operatorAnswer.Error")},
            result_path=sfn.JsonPath.DISCARD,
        )
        needs_attention = sfn.Fail(
            self,
            "NeedsAttention",
            error="OrderNeedsAttention",
            cause="A step could not be completed or undone; the order is parked for an operator.",
        )
        task.add_catch(left, errors=["States.ALL"], result_path="$.operatorAnswer")
        left.add_catch(needs_attention, errors=["States.ALL"], result_path="$.parkingFailure")
        left.next(needs_attention)
        gave_up = sfn.Pass(
            self,
            "OperatorGaveUp",
            parameters={
                "Error": "OperatorGaveUp",
                "Cause": "The operator gave up the order; who and why are on its status item.",
            },
            result_path="$.operatorAnswer",
        ).next(left)
        task.next(
            sfn.Choice(self, "OperatorDecision")
            .when(self._decision("RETRY"), self.resume)
            .when(self._decision("GIVE_UP"), gave_up)
            .otherwise(task)
        )
        return task

    @staticmethod
    def _decision(decision: str) -> sfn.Condition:
        return sfn.Condition.and_(
            sfn.Condition.is_present("$.operator.decision"),
            sfn.Condition.string_equals("$.operator.decision", decision),
        )

    def _resume_routes(self) -> None:
        """ResumeCompensation: settle again if the forward path had finished, else compensate
        again from the recorded step's compensation (see the module docstring)."""

        def step_in(steps: tuple[str, ...]) -> sfn.Condition:
            return sfn.Condition.or_(*(sfn.Condition.string_equals("$.progress.step", s) for s in steps))

        (
            self.resume.when(sfn.Condition.is_not_present("$.failure"), self.settle)
            .when(step_in(RESUME_STEPS["cancel"]), self.cancel_entry)
            .when(step_in(RESUME_STEPS["refund"]), self.refund_entry)
            .otherwise(self.release_entry)
        )

    def _count_parked(self) -> sfn.CustomState:
        r = self.r
        state = sfn.CustomState(
            self,
            "CountParkedOrder",
            state_json={
                "Type": "Task",
                "Resource": f"arn:{Aws.PARTITION}:states:::aws-sdk:cloudwatch:putMetricData",
                "TimeoutSeconds": NATIVE_TIMEOUT.to_seconds(),
                "Parameters": {
                    "Namespace": r.metrics_namespace,
                    "MetricData": [
                        {
                            "MetricName": r.parked_metric_name,
                            "Unit": "Count",
                            "Value": 1,
                            "Dimensions": [
                                {"Name": "Environment", "Value": r.platform.name},
                                {"Name": "Workflow", "Value": "orders"},
                            ],
                        }
                    ],
                },
                # CDK drops a null ResultPath from a custom state: keep the (empty) result aside.
                "ResultPath": "$.parkedMetric",
            },
        )
        CLOUDWATCH_RETRY.applied_to(state)  # type: ignore[arg-type]
        return state

    # ---- status table ---------------------------------------------------------------------

    def _record_start(self) -> tasks.DynamoUpdateItem:
        """Create the status item; refuse an order another execution already owns."""
        return self._record(
            "RecordReserving",
            "IN_PROGRESS",
            "RESERVE_INVENTORY",
            extra={
                "customerId": _string("$.order.customerId"),
                "currency": _string("$.order.currency"),
                "total": _string("$.order.total"),
            },
            created=True,
            condition="attribute_not_exists(orderId) OR executionId = :executionId",
        )

    def _record(
        self,
        construct_id: str,
        status: str,
        step: str | None,
        *,
        reason: bool = False,
        created: bool = False,
        extra: Mapping[str, tasks.DynamoAttributeValue] | None = None,
        condition: str | None = None,
        result_path: str | None = "$.progress",
    ) -> tasks.DynamoUpdateItem:
        """Write the order's current status (and step) to the status table."""
        values: dict[str, tasks.DynamoAttributeValue] = {
            ":status": tasks.DynamoAttributeValue.from_string(status),
            ":now": _string("$$.State.EnteredTime"),
            ":executionId": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.execution_id),
        }
        assignments = ["#status = :status", "updatedAt = :now", "executionId = :executionId"]
        if step is not None:
            values[":step"] = tasks.DynamoAttributeValue.from_string(step)
            assignments.append("step = :step")
        if created:
            assignments.append("createdAt = if_not_exists(createdAt, :now)")
        if reason:
            values[":reason"] = _string("$.failure.Error")
            values[":detail"] = tasks.DynamoAttributeValue.from_string(failure_text())
            assignments += ["reason = :reason", "reasonDetail = :detail"]
        names = {"#status": "status"}
        for index, (name, value) in enumerate((extra or {}).items()):
            names[f"#x{index}"] = name
            values[f":x{index}"] = value
            assignments.append(f"#x{index} = :x{index}")
        task = tasks.DynamoUpdateItem(
            self,
            construct_id,
            table=self.r.status_table,
            key={"orderId": _string("$.order.orderId")},
            update_expression=f"SET {', '.join(assignments)} REMOVE {', '.join(contract.TOKEN_ATTRIBUTES)}",
            condition_expression=condition,
            expression_attribute_names=names,
            expression_attribute_values=values,
            result_selector={"status": status, "step": step or "UNCHANGED"}
            if result_path and result_path != sfn.JsonPath.DISCARD
            else None,
            result_path=result_path,
            task_timeout=sfn.Timeout.duration(NATIVE_TIMEOUT),
        )
        if condition is not None:
            never_retried(task, CONDITION_FAILED)
        DYNAMODB_TASK_RETRY.applied_to(task)
        return task
