"""The CV task functions (stacks/cv/functions.py): each runs a contract handler and reads contract names."""

from __future__ import annotations

from typing import Any

from stacks.common.contracts import handler_contract
from tests.support.synth import app_stacks, resources, template_of

CONTRACT = handler_contract("cv")
# Set on every task function by the common factory, not part of the cv contract.
PLATFORM_VARIABLES = {
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
    "STEPWISE_ENV",
}


def contract_names(suffix: str) -> set[str]:
    return {
        value for name, value in vars(CONTRACT).items() if name.endswith(suffix) and isinstance(value, str)
    }


def cv_functions() -> list[dict[str, Any]]:
    return [
        function["Properties"]
        for function in resources(template_of("dev", "cv"), "AWS::Lambda::Function").values()
        if function["Properties"]["Handler"].startswith("cv.")
    ]


def test_each_contract_handler_is_deployed_once():
    handlers = sorted(function["Handler"] for function in cv_functions())
    assert handlers == sorted(f"cv.{handler}" for handler in contract_names("_HANDLER"))


def test_functions_read_only_environment_variables_the_contract_names():
    for function in cv_functions():
        variables = set(function["Environment"]["Variables"]) - PLATFORM_VARIABLES
        assert variables <= contract_names("_ENV"), function["Handler"]


def test_index_variables_hold_the_contract_index_names():
    values = {
        name: value
        for function in cv_functions()
        for name, value in function["Environment"]["Variables"].items()
        if name.endswith("_INDEX")
    }
    assert values == {
        CONTRACT.AWAITING_INDEX_ENV: CONTRACT.AWAITING_INDEX,
        CONTRACT.JOB_INDEX_ENV: CONTRACT.JOB_INDEX,
        CONTRACT.PENDING_INDEX_ENV: CONTRACT.PENDING_INDEX,
    }


def test_the_functions_keep_their_attribute_names_on_the_workflow_constructs():
    cv = app_stacks("dev")["cv"].cv
    labeling, preparation = cv.labeling, cv.preparation
    assert labeling.select_function is labeling.functions.select
    assert labeling.pre_annotation_function is labeling.functions.pre_annotation
    assert labeling.release_function is labeling.functions.release
    assert preparation.stitch_function is preparation.functions.stitch
    assert [f.props.handler for f in labeling.functions.state_machine_tasks] == [
        CONTRACT.SELECT_FRAMES_HANDLER,
        CONTRACT.WRITE_MANIFEST_HANDLER,
        CONTRACT.POST_PROCESS_HANDLER,
        CONTRACT.RELEASE_FRAMES_HANDLER,
    ]
