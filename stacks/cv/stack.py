"""`Stepwise-<env>-CvSafety`: composes the CV-safety construct from the environment's `cv` settings."""

from __future__ import annotations

from constructs import Construct

from stacks.common import WorkflowStack
from stacks.config import EnvironmentConfig
from stacks.cv.construct import CvSafety, CvSafetyProps


class CvSafetyStack(WorkflowStack):
    WORKFLOW_NAME = "CvSafety"

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, self.WORKFLOW_NAME, config.platform)
        self.cv = CvSafety(
            self,
            "Workflow",
            CvSafetyProps(platform=config.platform, settings=config.cv, alarm_topic=self.alarm_topic),
        )
