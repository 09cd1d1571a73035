"""The synthesized CV-safety stack: resources, permissions, schedules and the two state machines."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stacks.application import project_context
from stacks.common.contracts import handler_contract
from stacks.config import ConfigError, load_environment
from stacks.cv.settings import TASK_TYPES, CvSettings
from tests.support.environments import environment_names
from tests.support.synth import app_stacks, template_of

ENVIRONMENTS = environment_names("cv")


def resources(env: str, kind: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template_of(env, "cv")["Resources"].items()
        if resource["Type"] == kind
    }


def definition(env: str, construct: str) -> dict[str, Any]:
    """A state machine's ASL with every CloudFormation token replaced by a placeholder string."""
    for logical_id, machine in resources(env, "AWS::StepFunctions::StateMachine").items():
        if construct in logical_id:
            parts = machine["Properties"]["DefinitionString"]["Fn::Join"][1]
            return json.loads("".join(part if isinstance(part, str) else "TOKEN" for part in parts))
    raise AssertionError(f"no state machine {construct}")


def task_states(states: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every Task state, including those inside Map item processors."""
    found = {}
    for name, state in states.items():
        if state["Type"] == "Task":
            found[name] = state
        if state["Type"] == "Map":
            found.update(task_states(state["ItemProcessor"]["States"]))
    return found


def policy_statements(env: str, role_fragment: str) -> list[dict[str, Any]]:
    statements = []
    for logical_id, policy in resources(env, "AWS::IAM::Policy").items():
        if role_fragment in logical_id:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def actions(statement: dict[str, Any]) -> list[str]:
    value = statement["Action"]
    return [value] if isinstance(value, str) else value


def test_stack_is_named_per_environment():
    assert app_stacks("dev")["cv"].stack_name == "Stepwise-dev-CvSafety"
    assert app_stacks("prod")["cv"].stack_name == "Stepwise-prod-CvSafety"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_task_has_a_timeout_retry_and_catch(env):
    for construct in ("GroundTruthLabeling", "TapeLabelingPreparation"):
        for name, state in task_states(definition(env, construct)["States"]).items():
            assert state.get("TimeoutSeconds"), f"{construct}.{name} has no timeout"
            assert state.get("Retry"), f"{construct}.{name} has no retry"
            assert state.get("Catch"), f"{construct}.{name} has no catch"


def test_labeling_waits_for_the_ground_truth_job_with_the_stacks_task_lambdas():
    states = definition("dev", "GroundTruthLabeling")["States"]
    job = states["CreateLabelingJob"]
    assert job["Resource"].endswith(":states:::sagemaker:createLabelingJob.sync")
    assert job["TimeoutSeconds"] == 240 * 3600
    assert job["Catch"][0]["Next"] == "ReturnFramesToAwaiting"
    human = job["Parameters"]["HumanTaskConfig"]
    assert set(human) >= {"PreHumanTaskLambdaArn", "AnnotationConsolidationConfig", "WorkteamArn", "UiConfig"}
    assert states["ChooseTaskType"]["Type"] == "Choice"
    assert {"BoundingBoxTask", "FloorTapeTask", "NothingToLabel", "LabelingRunFailed"} <= set(states)
    for name in ("SelectFrames", "WriteManifest", "PostProcess"):
        assert states[name]["Catch"][-1]["Next"] == "ReturnFramesToAwaiting"
    # An input with fields besides taskType is refused before any frame is claimed.
    assert states["SelectFrames"]["Catch"][0] == {
        "ErrorEquals": ["InvalidInput"],
        "ResultPath": "$",
        "Next": "RequestRejected",
    }
    assert states["SelectFrames"]["Parameters"]["input"]["request.$"] == "$$.Execution.Input"
    assert states["RequestRejected"]["Error"] == "InvalidInput"
    assert states["NotifyLabelingJobFailed"]["Next"] == "LabelingRunFailed"


def test_preparation_maps_over_cameras_with_capped_concurrency():
    states = definition("dev", "TapeLabelingPreparation")["States"]
    prepare = states["PrepareCameras"]
    assert prepare["Type"] == "Map" and prepare["MaxConcurrency"] == 5
    inner = prepare["ItemProcessor"]["States"]
    assert inner["StitchComposite"]["Catch"][0]["Next"] == "RecordCameraError"
    assert inner["MarkCameraReady"]["Resource"].endswith(":states:::dynamodb:updateItem")
    assert "REMOVE pendingPreparation" in inner["MarkCameraReady"]["Parameters"]["UpdateExpression"]
    assert states["AnyNewCameras"]["Choices"][0]["Next"] == "NoNewCameras"


def test_state_machine_role_can_run_labeling_jobs_of_this_workflow_only():
    statements = policy_statements("dev", "GroundTruthLabelingWorkflowStateMachineRole")
    sagemaker = next(s for s in statements if "sagemaker:CreateLabelingJob" in actions(s))
    assert "labeling-job/stepwise-dev-cv-*" in json.dumps(sagemaker["Resource"])
    pass_role = next(s for s in statements if "iam:PassRole" in actions(s))
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    events = next(s for s in statements if "events:PutRule" in actions(s))
    assert "StepFunctionsGetEventsForSageMakerLabelingJobsRule" in json.dumps(events["Resource"])


def test_ground_truth_role_reads_inputs_writes_output_and_invokes_only_the_task_lambdas():
    roles = resources("dev", "AWS::IAM::Role")
    (role_id,) = [key for key in roles if "GroundTruthRole" in key]
    principal = roles[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": "sagemaker.amazonaws.com"}
    statements = policy_statements("dev", "GroundTruthRole")
    invoke = next(s for s in statements if actions(s) == ["lambda:InvokeFunction"])
    targets = json.dumps(invoke["Resource"])
    assert "PreAnnotationHandler" in targets and "ConsolidationHandler" in targets
    assert len(invoke["Resource"]) == 2
    writes = [s for s in statements if "s3:PutObject" in actions(s)]
    assert all("/labeling/*" in json.dumps(s["Resource"]) for s in writes)


def test_tables_have_the_sparse_indexes_the_handlers_query():
    tables = resources("dev", "AWS::DynamoDB::GlobalTable")
    indexes = {
        index["IndexName"]: [key["AttributeName"] for key in index["KeySchema"]]
        for table in tables.values()
        for index in table["Properties"].get("GlobalSecondaryIndexes", [])
    }
    assert indexes == {
        "AwaitingLabels": ["awaitingTask", "capturedAt"],
        "LabelingJob": ["labelingJob"],
        "PendingPreparation": ["pendingPreparation", "onboardedAt"],
    }


def test_data_bucket_allows_the_worker_portal_to_fetch_images():
    buckets = [
        b for b in resources("dev", "AWS::S3::Bucket").values() if "CorsConfiguration" in b["Properties"]
    ]
    (bucket,) = buckets
    (rule,) = bucket["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["GET"]


def test_cv_functions_run_on_arm64_with_the_numpy_pillow_layer():
    functions = resources("dev", "AWS::Lambda::Function")
    layers = resources("dev", "AWS::Lambda::LayerVersion")
    (cv_layer_id,) = [
        key for key, layer in layers.items() if "cv task functions" in layer["Properties"]["Description"]
    ]
    assert layers[cv_layer_id]["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert len(functions) == 9
    for function in functions.values():
        properties = function["Properties"]
        assert properties["Architectures"] == ["arm64"] and properties["Runtime"] == "python3.13"
        assert {"Ref": cv_layer_id} in properties["Layers"]
        assert properties["Handler"].startswith("cv.")


def test_stitching_gets_the_memory_and_timeout_from_config():
    functions = resources("dev", "AWS::Lambda::Function")
    (stitch,) = [f for key, f in functions.items() if "StitchComposite" in key]
    assert stitch["Properties"]["MemorySize"] == 3008 and stitch["Properties"]["Timeout"] == 300


def schedules(env: str) -> dict[str, dict[str, Any]]:
    return {
        json.loads(s["Properties"]["Target"]["Input"]).get("taskType", "preparation"): s["Properties"]
        for s in resources(env, "AWS::Scheduler::Schedule").values()
    }


def test_schedules_come_from_config_and_can_be_disabled():
    dev, prod = schedules("dev"), schedules("prod")
    assert set(prod) == {"bounding_box", "floor_tape", "preparation"}
    assert prod["bounding_box"]["ScheduleExpression"] == "rate(1 day)"
    assert prod["preparation"]["ScheduleExpression"] == "rate(1 hour)"
    assert all(schedule["State"] == "ENABLED" for schedule in prod.values())
    assert dev["bounding_box"]["State"] == "DISABLED" and dev["floor_tape"]["State"] == "DISABLED"
    assert dev["preparation"]["State"] == "ENABLED"
    for schedule in prod.values():
        assert schedule["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 3
        assert "DeadLetterConfig" in schedule["Target"]


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            {"labeling": {"schedules": [{"taskType": "bounding_box", "expression": "daily"}]}},
            "environments.dev.cv.labeling.schedules.0.expression: must be an EventBridge Scheduler",
        ),
        (
            {"labeling": {"schedules": [{"taskType": "polygons"}]}},
            "environments.dev.cv.labeling.schedules.0.taskType: Input should be 'bounding_box'",
        ),
        ({"tapePreparation": {"mapConcurrency": 0}}, "environments.dev.cv.tapePreparation.mapConcurrency:"),
        (
            {"labeling": {"workteamArn": "team-1"}},
            "environments.dev.cv.labeling.workteamArn: String should match",
        ),
        ({"labeling": {"maxFrames": 10}}, "environments.dev.cv.labeling.maxFrames: unknown key"),
        (
            {"tapePreparation": {"framesPerCamera": 20, "maxFramesPerCamera": 10}},
            "environments.dev.cv.tapePreparation: maxFramesPerCamera must be >= framesPerCamera",
        ),
    ],
)
def test_bad_cv_settings_name_the_key(override, expected):
    environments = {"dev": {**project_context()["environments"]["dev"], "cv": override}}
    with pytest.raises(ConfigError) as raised:
        load_environment(environments, "dev")
    assert str(raised.value).startswith(expected)


def test_defaults_are_valid_and_both_task_types_are_scheduled():
    settings = CvSettings()
    assert {schedule.task_type for schedule in settings.labeling.schedules} == {"bounding_box", "floor_tape"}
    assert settings.tape_preparation.schedule_expression == "rate(1 hour)"


def test_configurable_task_types_are_the_handlers_task_types():
    assert TASK_TYPES == handler_contract("cv").TASK_TYPES
