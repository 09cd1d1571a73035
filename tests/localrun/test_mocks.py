"""MockConfigFile test cases answer Task states nothing local can run."""

from __future__ import annotations

from typing import Any

import pytest

from localrun import LocalRunner, MockConfig
from localrun.mocks import MockConfigError

MOCKS: dict[str, Any] = {
    "StateMachines": {
        "Labeling": {
            "TestCases": {
                "Completed": {"Label": "LabelingCompleted"},
                "RetriedThenFails": {"Label": "LabelingFails"},
            }
        }
    },
    "MockedResponses": {
        "LabelingCompleted": {"0": {"Return": {"LabelingJobStatus": "Completed"}}},
        "LabelingFails": {"0": {"Throw": {"Error": "SageMaker.ResourceLimitExceeded", "Cause": "quota"}}},
    },
}


def test_unsupported_integration_without_a_mock_says_what_to_do(features: LocalRunner) -> None:
    result = features.run({"job": "j1"}, state_machine="Labeling")

    assert result.status == "FAILED"
    assert "sagemaker:createLabelingJob.sync" in (result.cause or "")
    assert "MockConfigFile" in (result.cause or "")


def test_mocked_return(features: LocalRunner) -> None:
    result = features.run({"job": "j1"}, state_machine="Labeling", mock_config=MOCKS, test_case="Completed")

    assert result.status == "SUCCEEDED"
    assert result.output == {"job": "j1", "labeling": {"status": "Completed"}}


def test_mocked_throw(features: LocalRunner) -> None:
    result = features.run(
        {"job": "j1"}, state_machine="Labeling", mock_config=MOCKS, test_case="RetriedThenFails"
    )

    assert (result.status, result.error, result.cause) == (
        "FAILED",
        "SageMaker.ResourceLimitExceeded",
        "quota",
    )


def test_config_errors_are_explicit() -> None:
    config = MockConfig.load(MOCKS)

    with pytest.raises(MockConfigError, match="no test case"):
        config.test_case(["Labeling"], "Missing")
    with pytest.raises(MockConfigError, match="StateMachines"):
        MockConfig.load({"MockedResponses": {}})
    broken = MockConfig.load({**MOCKS, "MockedResponses": {"LabelingCompleted": {"0": {}}}})
    with pytest.raises(MockConfigError, match="exactly one of Return or Throw"):
        broken.test_case(["Labeling"], "Completed")
