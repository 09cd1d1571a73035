"""`Stepwise-<env>-Agent`: composes `AgentWorkflow` with the environment's `agent` settings and, through
props, the RAG workflow's vector index and the order saga's status table."""

from __future__ import annotations

from aws_cdk import CfnOutput
from constructs import Construct

from stacks.agent.construct import AgentWorkflow, AgentWorkflowProps, KnowledgeBase, OrdersLookup
from stacks.common import WorkflowStack
from stacks.config import EnvironmentConfig


class AgentStack(WorkflowStack):
    """The agent workflow of one environment; `knowledge_base`/`orders` come from the other stacks."""

    WORKFLOW_NAME = "Agent"
    agent: AgentWorkflow

    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        *,
        knowledge_base: KnowledgeBase | None = None,
        orders: OrdersLookup | None = None,
    ) -> None:
        super().__init__(scope, self.WORKFLOW_NAME, config.platform)
        self.agent = AgentWorkflow(
            self,
            "Workflow",
            AgentWorkflowProps(
                platform=config.platform,
                settings=config.agent,
                alarm_topic=self.alarm_topic,
                knowledge_base=knowledge_base,
                orders=orders,
            ),
        )
        outputs = {
            "StateMachineArn": self.agent.state_machine.state_machine_arn,
            "RequestsTableName": self.agent.requests_table.table_name,
            "BreakersTableName": self.agent.breakers_table.table_name,
            "RunsBucketName": self.agent.runs_bucket.bucket_name,
            "ApprovalTopicArn": self.agent.approval_topic.topic_arn,
            "ApproverRoleArn": self.agent.approver_role.role_arn,
        }
        for name, value in outputs.items():
            CfnOutput(self, name, value=value)
