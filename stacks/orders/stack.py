"""`Stepwise-<env>-Orders`: the order saga stack (composes `OrderSaga`, exports what clients use)."""

from __future__ import annotations

from aws_cdk import CfnOutput
from constructs import Construct

from stacks.common import WorkflowStack
from stacks.config import EnvironmentConfig
from stacks.orders.construct import OrderSaga, OrderSagaProps


class OrdersStack(WorkflowStack):
    """Composes the order saga with the environment's `orders` settings."""

    WORKFLOW_NAME = "Orders"

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, self.WORKFLOW_NAME, config.platform)
        self.orders = OrderSaga(
            self,
            "Workflow",
            OrderSagaProps(platform=config.platform, settings=config.orders, alarm_topic=self.alarm_topic),
        )
        outputs = {
            "StateMachineArn": self.orders.state_machine.state_machine_arn,
            "StatusTableName": self.orders.status_table.table_name,
            "PersonalDataTableName": self.orders.personal_data_table.table_name,
            "InventoryTableName": self.orders.inventory_table.table_name,
            "CatalogTableName": self.orders.catalog_table.table_name,
            "ApproverRoleArn": self.orders.approver_role.role_arn,
            "OperatorRoleArn": self.orders.operator_role.role_arn,
            "LedgerTableName": self.orders.ledger_table.table_name,
            "ParkedQueueUrl": self.orders.parked_queue.queue_url,
            "EventBusName": self.orders.event_bus.event_bus_name,
        }
        for name, value in outputs.items():
            CfnOutput(self, name, value=value)
