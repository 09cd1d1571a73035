"""Static rules over every synthesized state machine (see `rules.RULES`), and proof that each can fail."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from stacks.application import WORKFLOW_STACKS
from stacks.common.tasks import LAMBDA_TRANSIENT_ERRORS
from stacks.execution_logging import ExecutionLogging
from tests.quality.allowlists import ALLOWED_TO_FAIL
from tests.quality.rules import (
    RULES,
    TRANSIENT_LAMBDA_ERRORS,
    Finding,
    check_definition,
    check_machine_resource,
    tasks,
    uncaught_tasks,
)
from tests.quality.shapes_stack import TASK_LOCATIONS, shapes_template
from tests.quality.targets import PROBE, Machine, Target, machines, targets
from tests.support.asl import is_callback, is_lambda_task, iter_states
from tests.support.synth import definitions_of

TARGETS = targets()
DEV_LOGGING = ExecutionLogging(level="ALL", include_execution_data=True)


def findings_of(machine: Machine) -> list[Finding]:
    where = f"{machine.target.env}/{machine.key}"
    allowed = {f"{machine.target.env}/{key}" for key in ALLOWED_TO_FAIL}
    return check_definition(machine.definition, where, allowed) + check_machine_resource(
        machine.resource, where, machine.target.execution_logging
    )


@pytest.mark.parametrize("target", TARGETS, ids=[target.label for target in TARGETS])
def test_every_state_machine_follows_the_rules(target: Target):
    found = machines(target)
    assert found, f"{target.label} defines no state machine"
    problems = [str(finding) for machine in found for finding in findings_of(machine)]
    assert not problems, "\n".join(problems)


def test_inventory_of_checked_states():
    """Prints what the rules covered (run with -rP to see it)."""
    counts = {"templates": 0, "machines": 0, "states": 0, "tasks": 0, "lambda tasks": 0, "callbacks": 0}
    for target in TARGETS:
        counts["templates"] += 1
        for machine in machines(target):
            counts["machines"] += 1
            counts["states"] += sum(1 for _ in iter_states(machine.definition))
            found = tasks(machine.definition)
            counts["tasks"] += len(found)
            counts["lambda tasks"] += sum(is_lambda_task(ref.state) for ref in found)
            counts["callbacks"] += sum(is_callback(ref.state) for ref in found)
    print("definition rules checked: " + ", ".join(f"{value} {name}" for name, value in counts.items()))
    assert counts["machines"] >= counts["templates"]


def test_every_allow_listed_task_exists_and_has_no_catch():
    registered = {*WORKFLOW_STACKS, PROBE}
    uncaught = {
        f"{machine.key}/{ref.location}"
        for target in TARGETS
        for machine in machines(target)
        for ref in uncaught_tasks(machine.definition)
    }
    for key, reason in ALLOWED_TO_FAIL.items():
        assert key.split("/", 1)[0] in registered, f"ALLOWED_TO_FAIL entry {key!r}: workflow not registered"
        assert key in uncaught, f"ALLOWED_TO_FAIL entry {key!r} is stale: no such uncaught task"
        assert len(reason) > 40, f"ALLOWED_TO_FAIL entry {key!r} needs a real reason"


def test_the_rule_set_covers_the_shared_retry_policy():
    assert set(TRANSIENT_LAMBDA_ERRORS) <= set(LAMBDA_TRANSIENT_ERRORS)


# --- The shapes fixture: real CDK output with every nesting the rules must see through -------------


def _shapes_definition() -> dict[str, Any]:
    (definition,) = definitions_of(shapes_template()).values()
    return definition


def test_walker_reaches_tasks_in_branches_and_inline_and_distributed_maps():
    found = sorted(ref.location for ref in tasks(_shapes_definition()))
    assert found == sorted(TASK_LOCATIONS)


def test_tokens_resolve_to_what_cloudformation_would_give():
    states = {ref.location: ref.state for ref in iter_states(_shapes_definition())}
    assert states["EachObject/PerObject"]["Resource"].startswith(
        "arn:aws:lambda:us-east-1:123456789012:function:"
    )
    assert is_lambda_task(states["EachObject/PerObject"])
    assert not is_lambda_task(states["Record"])
    assert states["Record"]["Parameters"]["TableName"].startswith("Records")
    assert states["AwaitApproval"]["Parameters"]["QueueUrl"].startswith(
        "https://sqs.us-east-1.amazonaws.com/"
    )
    assert is_callback(states["AwaitApproval"])


def test_shapes_fixture_follows_every_rule():
    template = shapes_template()
    ((logical_id, definition),) = definitions_of(template).items()
    findings = check_definition(definition, "shapes") + check_machine_resource(
        template["Resources"][logical_id], "shapes", DEV_LOGGING
    )
    assert not findings, "\n".join(map(str, findings))


# --- Each rule can fail: mutations of a compliant hand-written definition --------------------------

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:work"
RETRY = {
    "ErrorEquals": list(TRANSIENT_LAMBDA_ERRORS),
    "IntervalSeconds": 2,
    "MaxAttempts": 3,
    "BackoffRate": 2,
    "JitterStrategy": "FULL",
}
CATCH = [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}]
IN_PROGRESS_RETRY = {
    "ErrorEquals": ["IdempotencyAlreadyInProgressError"],
    "IntervalSeconds": 6,
    "MaxAttempts": 3,
    "BackoffRate": 2,
    "JitterStrategy": "NONE",
}


def _lambda_task(**fields: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": FUNCTION,
        "TimeoutSeconds": 40,
        "Retry": [dict(RETRY)],
        "End": True,
        **fields,
    }


def _step(next_state: str, **fields: Any) -> dict[str, Any]:
    task = _lambda_task(Next=next_state, **fields)
    del task["End"]
    return task


def _good() -> dict[str, Any]:
    return {
        "StartAt": "First",
        "TimeoutSeconds": 600,
        "States": {
            "First": _step("Fan", Catch=CATCH, Retry=[dict(IN_PROGRESS_RETRY), dict(RETRY)]),
            "Fan": {
                "Type": "Parallel",
                "Next": "Inline",
                "Catch": CATCH,
                "Branches": [{"StartAt": "InBranch", "States": {"InBranch": _lambda_task()}}],
            },
            "Inline": {
                "Type": "Map",
                "Next": "Legacy",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "PerItem",
                    "States": {
                        "PerItem": _lambda_task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Skip"}]),
                        "Skip": {"Type": "Pass", "End": True},
                    },
                },
            },
            "Legacy": {
                "Type": "Map",
                "Next": "Distributed",
                "Catch": CATCH,
                "Iterator": {"StartAt": "OldStyle", "States": {"OldStyle": _lambda_task()}},
            },
            "Distributed": {
                "Type": "Map",
                "Next": "Callback",
                "Catch": CATCH,
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:listObjectsV2",
                    "Parameters": {"Bucket": "b"},
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "PerObject",
                    "States": {
                        "PerObject": _step("Integration"),
                        "Integration": _lambda_task(Resource="arn:aws:states:::lambda:invoke"),
                    },
                },
            },
            "Callback": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "HeartbeatSeconds": 300,
                "Catch": CATCH,
                "Next": "Done",
            },
            "Failed": {"Type": "Fail", "Error": "Failed"},
            "Done": {"Type": "Succeed"},
        },
    }


def _state(definition: dict[str, Any], path: str) -> dict[str, Any]:
    node: dict[str, Any] = definition
    for name in path.split("/"):
        if "States" not in node:
            node = node.get("ItemProcessor") or node.get("Iterator") or node["Branches"][0]
        node = node["States"][name]
    return node


def _set(path: str, **fields: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(definition: dict[str, Any]) -> None:
        state = _state(definition, path)
        for key, value in fields.items():
            if value is None:
                state.pop(key, None)
            else:
                state[key] = value

    return mutate


def _root(**fields: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(definition: dict[str, Any]) -> None:
        for key, value in fields.items():
            definition.pop(key) if value is None else definition.__setitem__(key, value)

    return mutate


MUTATIONS: dict[str, tuple[Callable[[dict[str, Any]], None], str, str]] = {
    "no timeout in distributed map": (
        _set("Distributed/PerObject", TimeoutSeconds=None),
        "TASK-TIMEOUT",
        "Distributed/PerObject",
    ),
    "callback with neither timeout nor heartbeat": (
        _set("Callback", HeartbeatSeconds=None),
        "TASK-TIMEOUT",
        "Callback",
    ),
    "heartbeat does not replace a timeout outside callbacks": (
        _set("First", TimeoutSeconds=None, HeartbeatSeconds=30),
        "TASK-TIMEOUT",
        "First",
    ),
    "no retry in a parallel branch": (_set("Fan/InBranch", Retry=None), "LAMBDA-RETRY", "Fan/InBranch"),
    "no retry on the lambda:invoke integration": (
        _set("Distributed/Integration", Retry=None),
        "LAMBDA-RETRY",
        "Distributed/Integration",
    ),
    "retry covers only throttling": (
        _set("First", Retry=[{**RETRY, "ErrorEquals": ["Lambda.TooManyRequestsException"]}]),
        "LAMBDA-RETRY",
        "First",
    ),
    "a MaxAttempts 0 retrier shadows the transient one": (
        _set("Inline/PerItem", Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}, RETRY]),
        "LAMBDA-RETRY",
        "Inline/PerItem",
    ),
    "retry without jitter": (
        _set("Legacy/OldStyle", Retry=[{**RETRY, "JitterStrategy": "NONE"}]),
        "LAMBDA-RETRY",
        "Legacy/OldStyle",
    ),
    "retry without backoff": (_set("First", Retry=[{**RETRY, "BackoffRate": 1}]), "LAMBDA-RETRY", "First"),
    "no catch at the top level": (_set("First", Catch=None), "TASK-CATCH", "First"),
    "no catch in a legacy iterator whose map has none": (
        _set("Legacy", Catch=None),
        "TASK-CATCH",
        "Legacy/OldStyle",
    ),
    "no catch in a distributed map whose map has none": (
        _set("Distributed", Catch=None),
        "TASK-CATCH",
        "Distributed/PerObject",
    ),
    "no execution timeout": (_root(TimeoutSeconds=None), "MACHINE-TIMEOUT", ""),
    "a catch of one named error is no catch-all": (
        _set("First", Catch=[{"ErrorEquals": ["PaymentDeclined"], "Next": "Failed"}]),
        "TASK-CATCH",
        "First",
    ),
    "in-progress retry with jitter": (
        _set("First", Retry=[{**IN_PROGRESS_RETRY, "JitterStrategy": "FULL"}, dict(RETRY)]),
        "IN-PROGRESS-RETRY",
        "First",
    ),
    "in-progress retry shorter than the task's timeout": (
        _set("First", Retry=[{**IN_PROGRESS_RETRY, "IntervalSeconds": 2}, dict(RETRY)]),
        "IN-PROGRESS-RETRY",
        "First",
    ),
}


def test_the_compliant_definition_passes():
    assert check_definition(_good(), "wf/Machine") == []


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_each_task_rule_can_fail(name):
    mutate, rule, location = MUTATIONS[name]
    definition = copy.deepcopy(_good())
    mutate(definition)
    findings = check_definition(definition, "wf/Machine")
    where = f"wf/Machine/{location}".rstrip("/")
    assert any(f.rule == rule and f.where == where for f in findings), findings
    assert {f.rule for f in findings} == {rule}, findings


def test_allow_listed_task_may_fail_the_execution():
    definition = copy.deepcopy(_good())
    _set("First", Catch=None)(definition)
    assert check_definition(definition, "wf/Machine", {"wf/Machine/First"}) == []


GOOD_RESOURCE = {
    "Type": "AWS::StepFunctions::StateMachine",
    "Properties": {
        "LoggingConfiguration": {
            "Level": "ALL",
            "IncludeExecutionData": True,
            "Destinations": [
                {"CloudWatchLogsLogGroup": {"LogGroupArn": "arn:aws:logs:us-east-1:1:log-group:x"}}
            ],
        },
        "TracingConfiguration": {"Enabled": True},
    },
}
RESOURCE_MUTATIONS = {
    "log level ERROR": (("LoggingConfiguration", "Level", "ERROR"), "MACHINE-LOGGING"),
    "no execution data": (("LoggingConfiguration", "IncludeExecutionData", False), "MACHINE-LOGGING"),
    "no destination": (("LoggingConfiguration", "Destinations", []), "MACHINE-LOGGING"),
    "tracing disabled": (("TracingConfiguration", "Enabled", False), "MACHINE-TRACING"),
    "no tracing configuration": (("TracingConfiguration", None, None), "MACHINE-TRACING"),
    "no logging configuration": (("LoggingConfiguration", None, None), "MACHINE-LOGGING"),
}


def test_the_compliant_resource_passes():
    assert check_machine_resource(GOOD_RESOURCE, "wf", DEV_LOGGING) == []


def test_execution_data_where_the_environment_keeps_it_out_is_a_finding():
    prod = ExecutionLogging(level="ERROR", include_execution_data=False)
    messages = {f.message for f in check_machine_resource(GOOD_RESOURCE, "wf", prod)}
    assert messages == {"log level is 'ALL', not 'ERROR'", "IncludeExecutionData is not false"}


@pytest.mark.parametrize("name", sorted(RESOURCE_MUTATIONS))
def test_each_machine_rule_can_fail(name):
    (section, key, value), rule = RESOURCE_MUTATIONS[name]
    resource = copy.deepcopy(GOOD_RESOURCE)
    if key is None:
        del resource["Properties"][section]
    else:
        resource["Properties"][section][key] = value
    findings = check_machine_resource(resource, "wf", DEV_LOGGING)
    assert findings and {f.rule for f in findings} == {rule}


def test_every_rule_is_proven_to_fail():
    proven = {rule for _, rule, _ in MUTATIONS.values()} | {rule for _, rule in RESOURCE_MUTATIONS.values()}
    assert proven == set(RULES)
