"""`OrderSaga`: the order workflow as a reusable construct (resources + Standard state machine).

Forward path: Validate -> RecordReserving -> ReserveInventory (Map of conditional DynamoDB
updates) -> Route -> [RequestApproval (.waitForTaskToken)] -> RecordCharging -> ChargePayment ->
RecordShipping -> CreateShipment -> Notify (SNS || EventBridge) -> SettleInventory
-> RecordCompleted.
A failure after step k runs the compensations of steps k..1 in reverse (CancelShipment ->
RefundPayment -> ReleaseInventory), each retried; a compensation that keeps failing parks the
order (SQS message naming the order, step and error, `OrdersParked` metric, alarm) as
NEEDS_ATTENTION and waits up to `parkedTimeoutDays` for `operator_role` to retry it (it resumes
compensating from the recorded step) or give up. The order's personal data (shipping address,
payment token) lives on an item of `personal_data_table`, stored by Validate and read by
ChargePayment and CreateShipment; the state carries the order id and non-personal fields only.
Prices come from `catalog_table`; accepted orders are counted per customer in `spend_table`. The
approval task token is stored encrypted under `approval_token_key`, which only `approver_role` may
use to decrypt, and a parked order's under `operator_token_key`, only for `operator_role`; those
two roles are the only holders of states:SendTaskSuccess/SendTaskFailure.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.common import (
    AlarmedQueue,
    ObservableStateMachine,
    ObservableStateMachineProps,
    PythonTaskFunction,
    QueueAlarm,
    acknowledge,
    encrypted_queue,
    encrypted_topic,
    rotating_key,
    secure_table,
)
from stacks.common.contracts import handler_contract
from stacks.common.deciders import DeciderSpec, token_decider
from stacks.common.platform import Platform
from stacks.common.task_function import METRICS_NAMESPACE
from stacks.orders.definition import BUSINESS_OUTCOMES, SagaDefinition, SagaResources
from stacks.orders.functions import FunctionResources, OrderFunctions
from stacks.orders.settings import OrdersSettings

contract = handler_contract("orders")

PARKED_METRIC = "OrdersParked"
DECIDERS = "the saga's two deciding roles"
WORKFLOW_KEY = "orders"


@dataclass(frozen=True)
class OrderSagaProps:
    """What a stack passes to build an order saga.

    `event_bus`: where `OrderCompleted` events go; by default the saga creates its own bus.
    """

    platform: Platform
    settings: OrdersSettings
    alarm_topic: sns.ITopic
    event_bus: events.IEventBus | None = None


class OrderSaga(Construct):
    """The order saga: tables, topics, bus, parking queue, task functions and state machine.

    Every resource is an attribute so a platform team can grant, subscribe or extend
    (e.g. subscribe a warehouse queue to `customer_topic`, add rules on `event_bus`).
    """

    status_table: dynamodb.TableV2
    personal_data_table: dynamodb.TableV2
    catalog_table: dynamodb.TableV2
    spend_table: dynamodb.TableV2
    inventory_table: dynamodb.TableV2
    ledger_table: dynamodb.TableV2
    shipments_table: dynamodb.TableV2
    idempotency_table: dynamodb.TableV2
    topic_key: kms.Key
    approval_token_key: kms.Key
    approver_role: iam.Role
    operator_token_key: kms.Key
    operator_role: iam.Role
    approval_topic: sns.Topic
    customer_topic: sns.Topic
    event_bus: events.IEventBus
    parked_queue: AlarmedQueue
    validate_function: PythonTaskFunction
    request_approval_function: PythonTaskFunction
    await_operator_function: PythonTaskFunction
    charge_function: PythonTaskFunction
    refund_function: PythonTaskFunction
    create_shipment_function: PythonTaskFunction
    cancel_shipment_function: PythonTaskFunction
    workflow: ObservableStateMachine
    parked_metric: cloudwatch.Metric
    parked_alarm: cloudwatch.Alarm
    parked_waiting_alarm: cloudwatch.Alarm

    def __init__(self, scope: Construct, construct_id: str, props: OrderSagaProps) -> None:
        super().__init__(scope, construct_id)
        self.props = props
        self._create_tables()
        self._create_messaging()
        self._create_approvers()
        self._create_functions()
        definition = SagaDefinition(self, "Saga", self._resources())
        self.workflow = ObservableStateMachine(
            self,
            "Workflow",
            ObservableStateMachineProps(
                platform=props.platform,
                definition=definition.chain,
                alarm_topic=props.alarm_topic,
                timeout=self.execution_timeout,
                state_machine_type=sfn.StateMachineType.STANDARD,
                comment="Order saga: validate, reserve, approve, charge, ship, notify; "
                "compensations in reverse; parks orders it cannot undo",
                task_functions=self.task_functions,
                expected_errors=BUSINESS_OUTCOMES,
            ),
        )
        self.definition = definition
        self._grant_state_machine()
        self._create_alarms()

    @property
    def state_machine(self) -> sfn.StateMachine:
        return self.workflow.state_machine

    @property
    def settings(self) -> OrdersSettings:
        return self.props.settings

    @property
    def execution_timeout(self) -> Duration:
        """The approval wait, a parked order's wait for an operator, and an hour for everything else
        (retries included)."""
        settings = self.settings
        return Duration.seconds(settings.approval_timeout_seconds + settings.parked_timeout_seconds + 3600)

    @property
    def task_functions(self) -> list[PythonTaskFunction]:
        return self.functions.all

    def _create_tables(self) -> None:
        platform = self.props.platform
        string = dynamodb.AttributeType.STRING
        self.status_table = secure_table(
            self, "OrderStatus", platform, partition_key=dynamodb.Attribute(name="orderId", type=string)
        )
        self.personal_data_table = secure_table(
            self, "PersonalData", platform, partition_key=dynamodb.Attribute(name="orderId", type=string)
        )
        self.inventory_table = secure_table(
            self, "Inventory", platform, partition_key=dynamodb.Attribute(name="sku", type=string)
        )
        self.catalog_table = secure_table(
            self, "Catalog", platform, partition_key=dynamodb.Attribute(name="sku", type=string)
        )
        self.spend_table = secure_table(
            self,
            "CustomerSpend",
            platform,
            partition_key=dynamodb.Attribute(name="customerId", type=string),
            sort_key=dynamodb.Attribute(name="currency", type=string),
            time_to_live_attribute="expiresAt",
        )
        self.ledger_table = secure_table(
            self,
            "PaymentLedger",
            platform,
            partition_key=dynamodb.Attribute(name="pk", type=string),
            sort_key=dynamodb.Attribute(name="sk", type=string),
        )
        self.shipments_table = secure_table(
            self, "Shipments", platform, partition_key=dynamodb.Attribute(name="orderId", type=string)
        )
        self.idempotency_table = secure_table(
            self,
            "Idempotency",
            platform,
            partition_key=dynamodb.Attribute(name="id", type=string),
            time_to_live_attribute="expiration",
        )

    def _create_messaging(self) -> None:
        platform = self.props.platform
        self.topic_key = rotating_key(
            self, "TopicKey", platform, "Encrypts the order saga's approval and customer topics"
        )
        self.approval_topic = encrypted_topic(
            self,
            "ApprovalRequests",
            self.topic_key,
            f"Stepwise order approvals ({platform.name})",
            subscriber_email=self.settings.approver_email,
        )
        self.customer_topic = encrypted_topic(
            self,
            "CustomerNotifications",
            self.topic_key,
            f"Stepwise order confirmations ({platform.name})",
        )
        self.event_bus = self.props.event_bus or events.EventBus(self, "OrderEvents")
        self.parked_queue = encrypted_queue(
            self,
            "ParkedOrders",
            alarm_topic=self.props.alarm_topic,
            alarm=QueueAlarm("Parked orders are waiting for an operator."),
        )

    def _create_approvers(self) -> None:
        """The approver role (the only path that can read an approval task token and decide an
        order) and the operator role (the same for a parked order's token: retry or give up), each
        with the key its tokens are stored under, which only that role may decrypt with."""
        platform, settings = self.props.platform, self.settings
        self.approver_role, self.approval_token_key = token_decider(
            self,
            DeciderSpec(
                role_id="Approver",
                key_id="ApprovalTokenKey",
                sid="OnlyApproversDecrypt",
                principals=settings.approver_principals,
                role_description="Decides order saga approvals with scripts.orders.approval",
                key_description="Encrypts the order saga's approval task tokens",
                attributes=contract.APPROVAL_ATTRIBUTES,
                answers="approval requests",
                context_keys=contract.TOKEN_CONTEXT_KEYS,
                holders=DECIDERS,
            ),
            platform,
            self.status_table,
        )
        self.operator_role, self.operator_token_key = token_decider(
            self,
            DeciderSpec(
                role_id="ParkedOrderOperator",
                key_id="OperatorTokenKey",
                sid="OnlyOperatorsDecrypt",
                principals=settings.operator_principals,
                role_description="Retries or gives up parked orders with scripts.orders.parked",
                key_description="Encrypts the task tokens of parked orders",
                attributes=contract.OPERATOR_ATTRIBUTES,
                answers="parked orders",
                context_keys=contract.TOKEN_CONTEXT_KEYS,
                holders=DECIDERS,
                reads=("dynamodb:GetItem", "dynamodb:Scan"),
            ),
            platform,
            self.status_table,
        )

    def _create_functions(self) -> None:
        self.functions = OrderFunctions(
            self,
            self.props.platform,
            self.settings,
            FunctionResources(
                status_table=self.status_table,
                personal_data_table=self.personal_data_table,
                catalog_table=self.catalog_table,
                spend_table=self.spend_table,
                ledger_table=self.ledger_table,
                shipments_table=self.shipments_table,
                idempotency_table=self.idempotency_table,
                approval_topic=self.approval_topic,
                approval_token_key=self.approval_token_key,
                operator_token_key=self.operator_token_key,
            ),
        )
        functions = self.functions
        self.validate_function = functions.validate
        self.request_approval_function = functions.request_approval
        self.await_operator_function = functions.await_operator
        self.charge_function = functions.charge
        self.refund_function = functions.refund
        self.create_shipment_function = functions.create_shipment
        self.cancel_shipment_function = functions.cancel_shipment
        self._grant_steps()
        self._grant_validate()
        self._grant_token_functions()

    def _grant_steps(self) -> None:
        """Idempotency records for the four idempotent steps; the ledger to charge and refund, the
        shipments to create and cancel."""
        idempotency_actions = [
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        ]
        for task in (
            self.charge_function,
            self.refund_function,
            self.create_shipment_function,
            self.cancel_shipment_function,
        ):
            task.role.add_to_policy(
                iam.PolicyStatement(actions=idempotency_actions, resources=[self.idempotency_table.table_arn])
            )
        for task in (self.charge_function, self.refund_function):
            task.role.add_to_policy(
                iam.PolicyStatement(
                    actions=[
                        "dynamodb:GetItem",
                        "dynamodb:PutItem",
                        "dynamodb:UpdateItem",
                        "dynamodb:ConditionCheckItem",
                    ],
                    resources=[self.ledger_table.table_arn],
                )
            )
        for task in (self.create_shipment_function, self.cancel_shipment_function):
            task.role.add_to_policy(
                iam.PolicyStatement(
                    actions=["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
                    resources=[self.shipments_table.table_arn],
                )
            )

    def _grant_validate(self) -> None:
        """Validate stores the personal data, reads prices, counts spend and checks the owner; charge
        and shipment read the personal data by order id."""
        validate = self.validate_function.role
        validate.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:PutItem"], resources=[self.personal_data_table.table_arn])
        )
        validate.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:BatchGetItem"], resources=[self.catalog_table.table_arn])
        )
        validate.add_to_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem", "dynamodb:PutItem"], resources=[self.spend_table.table_arn]
            )
        )
        validate.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[self.ledger_table.table_arn])
        )
        for task in (self.charge_function, self.create_shipment_function):
            task.role.add_to_policy(
                iam.PolicyStatement(
                    actions=["dynamodb:GetItem"], resources=[self.personal_data_table.table_arn]
                )
            )

    def _grant_token_functions(self) -> None:
        """The two functions that store a task token: the status item, encrypt with their key."""
        approval = self.request_approval_function
        approval.role.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:UpdateItem"], resources=[self.status_table.table_arn])
        )
        self.approval_topic.grant_publish(approval.role)
        approval.role.add_to_policy(
            iam.PolicyStatement(actions=["kms:Encrypt"], resources=[self.approval_token_key.key_arn])
        )
        acknowledge(
            approval.role.node.find_child("DefaultPolicy"),
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            "Publishing to the KMS-encrypted approval topic needs GenerateDataKey* on its one key.",
        )
        parking = self.await_operator_function.role
        parking.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:UpdateItem"], resources=[self.status_table.table_arn])
        )
        parking.add_to_policy(
            iam.PolicyStatement(actions=["kms:Encrypt"], resources=[self.operator_token_key.key_arn])
        )

    def _resources(self) -> SagaResources:
        return SagaResources(
            platform=self.props.platform,
            settings=self.settings,
            status_table=self.status_table,
            personal_data_table=self.personal_data_table,
            inventory_table=self.inventory_table,
            customer_topic=self.customer_topic,
            event_bus=self.event_bus,
            parked_queue=self.parked_queue,
            validate=self.validate_function,
            request_approval=self.request_approval_function,
            await_operator=self.await_operator_function,
            charge=self.charge_function,
            refund=self.refund_function,
            create_shipment=self.create_shipment_function,
            cancel_shipment=self.cancel_shipment_function,
            parked_metric_name=PARKED_METRIC,
            metrics_namespace=METRICS_NAMESPACE,
        )

    def _grant_state_machine(self) -> None:
        role = self.workflow.role
        self.topic_key.grant(role, "kms:GenerateDataKey*", "kms:Decrypt")
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": METRICS_NAMESPACE}},
            )
        )
        policy = role.node.find_child("DefaultPolicy")
        acknowledge(
            policy,
            "AwsSolutions-IAM5[Resource::*]",
            "cloudwatch:PutMetricData (the OrdersParked metric) supports no resource-level "
            "permissions; it is limited to the Stepwise namespace by condition.",
        )
        acknowledge(
            policy,
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            "Publishing to the KMS-encrypted topics needs GenerateDataKey* on their one key.",
        )

    def _create_alarms(self) -> None:
        topic_action = cloudwatch_actions.SnsAction(self.props.alarm_topic)
        self.parked_metric = cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name=PARKED_METRIC,
            dimensions_map={"Environment": self.props.platform.name, "Workflow": WORKFLOW_KEY},
            statistic="Sum",
            period=Duration.minutes(5),
        )
        self.parked_alarm = self.parked_metric.create_alarm(
            self,
            "OrdersParkedAlarm",
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description="An order saga could not undo its steps; the order is parked "
            "(NEEDS_ATTENTION) in the parked-orders queue.",
        )
        self.parked_alarm.add_alarm_action(topic_action)
        self.parked_waiting_alarm = self.parked_queue.alarm
