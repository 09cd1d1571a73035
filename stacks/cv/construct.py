"""The CV-safety capability as one reusable construct: data plane + both workflows."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks.common.platform import Platform
from stacks.cv.data import CvSafetyData, CvSafetyDataProps
from stacks.cv.labeling import GroundTruthLabeling, GroundTruthLabelingProps
from stacks.cv.preparation import TapeLabelingPreparation, TapeLabelingPreparationProps
from stacks.cv.settings import CvSettings


@dataclass(frozen=True)
class CvSafetyProps:
    platform: Platform
    settings: CvSettings
    alarm_topic: sns.ITopic


class CvSafety(Construct):
    """Ground Truth labeling (`labeling`) and floor-tape preparation (`preparation`) over shared `data`.

    Extend by subclassing and overriding `_create_data` / `_create_labeling` / `_create_preparation`,
    or compose `CvSafetyData`, `GroundTruthLabeling` and `TapeLabelingPreparation` directly.
    """

    data: CvSafetyData
    labeling: GroundTruthLabeling
    preparation: TapeLabelingPreparation

    def __init__(self, scope: Construct, construct_id: str, props: CvSafetyProps) -> None:
        super().__init__(scope, construct_id)
        self.data = self._create_data(props)
        self.labeling = self._create_labeling(props)
        self.preparation = self._create_preparation(props)

    def _create_data(self, props: CvSafetyProps) -> CvSafetyData:
        return CvSafetyData(self, "Data", CvSafetyDataProps(platform=props.platform))

    def _create_labeling(self, props: CvSafetyProps) -> GroundTruthLabeling:
        return GroundTruthLabeling(
            self,
            "GroundTruthLabeling",
            GroundTruthLabelingProps(
                platform=props.platform,
                settings=props.settings.labeling,
                data=self.data,
                alarm_topic=props.alarm_topic,
            ),
        )

    def _create_preparation(self, props: CvSafetyProps) -> TapeLabelingPreparation:
        return TapeLabelingPreparation(
            self,
            "TapeLabelingPreparation",
            TapeLabelingPreparationProps(
                platform=props.platform,
                settings=props.settings.tape_preparation,
                data=self.data,
                alarm_topic=props.alarm_topic,
            ),
        )
