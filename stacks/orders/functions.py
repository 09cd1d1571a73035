"""The order saga's task functions, created by the one factory (`stacks.common.TaskFunctionFactory`)
with the environment each handler reads (names from `lambdas/orders/contract.py`)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks.common import PythonTaskFunction
from stacks.common.contracts import handler_contract
from stacks.common.functions import TaskFunctionFactory
from stacks.common.platform import Platform
from stacks.orders.settings import OrdersSettings

contract = handler_contract("orders")


@dataclass(frozen=True)
class FunctionResources:
    """What the functions' environment names: the saga's tables, token keys and approval topic."""

    status_table: dynamodb.ITableV2
    personal_data_table: dynamodb.ITableV2
    catalog_table: dynamodb.ITableV2
    spend_table: dynamodb.ITableV2
    ledger_table: dynamodb.ITableV2
    shipments_table: dynamodb.ITableV2
    idempotency_table: dynamodb.ITableV2
    approval_topic: sns.ITopic
    approval_token_key: kms.IKey
    operator_token_key: kms.IKey


class OrderFunctions:
    """The saga's seven task functions, created in `scope` (their construct ids are the stack's)."""

    def __init__(
        self, scope: Construct, platform: Platform, settings: OrdersSettings, resources: FunctionResources
    ) -> None:
        self.settings = settings
        self.r = resources
        factory = TaskFunctionFactory(
            scope, platform, "orders", timeout_seconds=settings.task_timeout_seconds
        )
        self.validate = factory.create(
            "Validate",
            contract.VALIDATE_HANDLER,
            "Order saga: validate and price an order, store its personal data, pass the rest on",
            environment=self._validate_environment(),
        )
        self.request_approval = factory.create(
            "RequestApproval",
            contract.REQUEST_APPROVAL_HANDLER,
            "Order saga: store the approval task token encrypted and notify reviewers",
            environment={
                contract.STATUS_TABLE_ENV: resources.status_table.table_name,
                contract.APPROVAL_TOKEN_KEY_ENV: resources.approval_token_key.key_arn,
                contract.APPROVAL_TOPIC_ENV: resources.approval_topic.topic_arn,
                contract.APPROVAL_TIMEOUT_ENV: str(settings.approval_timeout_seconds),
            },
        )
        self.await_operator = factory.create(
            "AwaitOperator",
            contract.AWAIT_OPERATOR_HANDLER,
            "Order saga: store a parked order's task token encrypted for the operator",
            environment={
                contract.STATUS_TABLE_ENV: resources.status_table.table_name,
                contract.OPERATOR_TOKEN_KEY_ENV: resources.operator_token_key.key_arn,
                contract.PARKED_TIMEOUT_ENV: str(settings.parked_timeout_seconds),
            },
        )
        self._create_steps(factory)

    def _create_steps(self, factory: TaskFunctionFactory) -> None:
        """Charge, refund, create and cancel shipment: the idempotent steps and their undos."""
        personal_data = {contract.PERSONAL_DATA_TABLE_ENV: self.r.personal_data_table.table_name}
        payments, shipping = self._payments_environment(), self._shipping_environment()
        self.charge = factory.create(
            "ChargePayment",
            contract.CHARGE_HANDLER,
            "Order saga: charge the order once",
            environment={**payments, **personal_data},
        )
        self.refund = factory.create(
            "RefundPayment",
            contract.REFUND_HANDLER,
            "Order saga: refund the order (compensation)",
            environment=payments,
        )
        self.create_shipment = factory.create(
            "CreateShipment",
            contract.CREATE_SHIPMENT_HANDLER,
            "Order saga: record the order's shipment",
            environment={**shipping, **personal_data},
        )
        self.cancel_shipment = factory.create(
            "CancelShipment",
            contract.CANCEL_SHIPMENT_HANDLER,
            "Order saga: cancel the order's shipment (compensation)",
            environment=shipping,
        )

    @property
    def all(self) -> list[PythonTaskFunction]:
        return [
            self.validate,
            self.request_approval,
            self.await_operator,
            self.charge,
            self.refund,
            self.create_shipment,
            self.cancel_shipment,
        ]

    def _validate_environment(self) -> dict[str, str]:
        settings, r = self.settings, self.r
        return {
            contract.PERSONAL_DATA_TABLE_ENV: r.personal_data_table.table_name,
            contract.CATALOG_TABLE_ENV: r.catalog_table.table_name,
            contract.SPEND_TABLE_ENV: r.spend_table.table_name,
            contract.SPEND_WINDOW_ENV: str(settings.spend_window_seconds),
            contract.LEDGER_TABLE_ENV: r.ledger_table.table_name,
            contract.PAYMENT_ADAPTER_ENV: settings.payment_adapter,
            contract.CURRENCIES_ENV: settings.currencies_json(),
            contract.MAX_ITEMS_ENV: str(settings.max_items),
            contract.MAX_QUANTITY_ENV: str(settings.max_quantity),
        }

    def _idempotency_environment(self) -> dict[str, str]:
        return {
            contract.IDEMPOTENCY_TABLE_ENV: self.r.idempotency_table.table_name,
            contract.IDEMPOTENCY_TTL_ENV: str(self.settings.idempotency_ttl_seconds),
        }

    def _payments_environment(self) -> dict[str, str]:
        return {
            **self._idempotency_environment(),
            contract.LEDGER_TABLE_ENV: self.r.ledger_table.table_name,
            contract.PAYMENT_ADAPTER_ENV: self.settings.payment_adapter,
        }

    def _shipping_environment(self) -> dict[str, str]:
        return {
            **self._idempotency_environment(),
            contract.SHIPMENTS_TABLE_ENV: self.r.shipments_table.table_name,
            contract.SHIPPING_COUNTRIES_ENV: ",".join(self.settings.shipping_countries),
        }
