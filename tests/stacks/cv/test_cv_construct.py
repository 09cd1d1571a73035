"""Extending the CV construct (stacks/cv/construct.py): a subclass's task texts reach the labeling graph."""

from __future__ import annotations

import dataclasses
import json

from aws_cdk.assertions import Template

from stacks.application import project_context
from stacks.common import WorkflowStack
from stacks.config import load_environment
from stacks.cv.construct import (
    CvSafety,
    CvSafetyProps,
    GroundTruthLabeling,
    GroundTruthLabelingProps,
)
from stacks.cv.ground_truth import TASK_DEFINITIONS
from tests.support.synth import fresh_app

RETITLED = tuple(dataclasses.replace(d, title=f"Site 7: {d.title}") for d in TASK_DEFINITIONS)


class RetitledLabeling(GroundTruthLabeling):
    task_definitions = RETITLED


class RetitledCvSafety(CvSafety):
    def _create_labeling(self, props: CvSafetyProps) -> GroundTruthLabeling:
        return RetitledLabeling(
            self,
            "GroundTruthLabeling",
            GroundTruthLabelingProps(props.platform, props.settings.labeling, self.data, props.alarm_topic),
        )


def labeling_states() -> dict:
    config = load_environment(project_context()["environments"], "dev")
    stack = WorkflowStack(fresh_app(), "CvRetitled", config.platform)
    RetitledCvSafety(stack, "Workflow", CvSafetyProps(config.platform, config.cv, stack.alarm_topic))
    for logical_id, machine in (
        Template.from_stack(stack).find_resources("AWS::StepFunctions::StateMachine").items()
    ):
        if "GroundTruthLabeling" in logical_id:
            parts = machine["Properties"]["DefinitionString"]["Fn::Join"][1]
            return json.loads("".join(part if isinstance(part, str) else "TOKEN" for part in parts))["States"]
    raise AssertionError("no labeling state machine")


def test_a_subclass_task_definitions_retitle_the_ground_truth_tasks():
    states = labeling_states()
    for definition in RETITLED:
        assert states[definition.state_name]["Result"]["title"] == definition.title
        assert definition.title.startswith("Site 7: ")
