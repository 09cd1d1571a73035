"""`Stepwise-<env>-Rag`: composes the RagIngestion construct from the environment's `rag` settings."""

from __future__ import annotations

from constructs import Construct

from stacks.common import WorkflowStack
from stacks.config import EnvironmentConfig
from stacks.rag.construct import RagIngestion, RagIngestionProps


class RagIngestionStack(WorkflowStack):
    """The RAG ingestion workflow of one environment."""

    WORKFLOW_NAME = "Rag"
    rag: RagIngestion

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, self.WORKFLOW_NAME, config.platform)
        self.rag = RagIngestion(
            self,
            "Workflow",
            RagIngestionProps(platform=config.platform, settings=config.rag, alarm_topic=self.alarm_topic),
        )
