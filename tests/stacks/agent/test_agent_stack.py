"""The synthesized agent: the state graph, its bounds and outcomes, and least privilege."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.agent.construct import AgentWorkflow, AgentWorkflowProps
from stacks.agent.definition import AGENT_FAILED, BUSINESS_OUTCOMES
from stacks.agent.settings import AgentSettings
from stacks.agent.stack import AgentStack
from stacks.common import WorkflowStack, enable_nag
from stacks.config import ConfigError, load_environment
from tests.support.asl import catches, iter_states, states_by_name
from tests.support.environments import environment_names
from tests.support.synth import app_stacks, definitions_of, fresh_app, resources, template_of

ENVIRONMENTS = environment_names("agent")
GUARDRAIL = {"id": "gr7abc123", "version": "2"}


def _synth(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The agent alone with `settings`, cdk-nag enabled (an unacknowledged finding fails the synth)."""
    config = load_environment(
        {"qa": {"sandbox": True, "workflows": ["agent"], "agent": dict(settings)}}, "qa"
    )
    app = fresh_app()
    stack = AgentStack(app, config)
    enable_nag(app)
    return Template.from_stack(stack).to_json()


@functools.cache
def guarded_template() -> dict[str, Any]:
    return _synth({"tools": ["calculator"], "guardrail": GUARDRAIL})


@functools.cache
def profile_template() -> dict[str, Any]:
    return _synth({"tools": ["calculator"], "modelId": "us.anthropic.claude-3-5-haiku-20241022-v1:0"})


def _asl(template: Mapping[str, Any]) -> dict[str, Any]:
    [definition] = definitions_of(dict(template)).values()
    return definition


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return template_of("dev", "agent")


@pytest.fixture(scope="module")
def asl(template: dict[str, Any]) -> dict[str, Any]:
    return _asl(template)


@pytest.fixture(scope="module")
def states(asl: dict[str, Any]) -> dict[str, Mapping[str, Any]]:
    return states_by_name(asl)


def _statements(template: Mapping[str, Any], role_prefix: str) -> list[dict[str, Any]]:
    """Every statement of the policies attached to roles whose logical id starts with `role_prefix`."""
    found = []
    for policy in resources(dict(template), "AWS::IAM::Policy").values():
        roles = json.dumps(policy["Properties"].get("Roles", []))
        if f'"{role_prefix}' in roles:
            found += policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def _actions(statement: Mapping[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def _granting(template: Mapping[str, Any], role_prefix: str, action: str) -> list[dict[str, Any]]:
    return [s for s in _statements(template, role_prefix) if action in _actions(s)]


@pytest.mark.parametrize("env_name", ENVIRONMENTS)
def test_stack_name_and_standard_workflow(env_name: str) -> None:
    stack = app_stacks(env_name)["agent"]
    assert isinstance(stack, WorkflowStack)
    assert stack.stack_name == f"Stepwise-{env_name}-Agent"
    [machine] = resources(template_of(env_name, "agent"), "AWS::StepFunctions::StateMachine").values()
    assert machine["Properties"]["StateMachineType"] == "STANDARD"
    assert machine["Properties"]["StateMachineName"] == f"Stepwise-{env_name}-Agent"


def test_execution_timeout_covers_every_approval_wait(asl: dict[str, Any]) -> None:
    settings = AgentSettings()
    waits = settings.limits.max_revisions + 1
    assert asl["TimeoutSeconds"] == settings.approval_timeout_seconds * waits + 3600


def test_forward_path(asl: dict[str, Any], states: dict[str, Mapping[str, Any]]) -> None:
    assert asl["StartAt"] == "Validate"
    assert states["Validate"]["Next"] == "IsDuplicate"
    [duplicate] = states["IsDuplicate"]["Choices"]
    assert duplicate["Next"] == "AlreadyPublished"
    assert states["AlreadyPublished"]["Type"] == "Succeed"
    assert states["IsDuplicate"]["Default"] == "Plan"
    assert states["Plan"]["Next"] == "HasToolCalls"
    assert states["HasToolCalls"]["Choices"][0]["Next"] == "Aggregate"
    assert states["HasToolCalls"]["Default"] == "ToolCalls"
    assert states["ToolCalls"]["Next"] == "Aggregate"
    assert states["Aggregate"]["Next"] == "MoreTools"
    assert states["MoreTools"]["Choices"][0] == {
        "Variable": "$.plan.done",
        "BooleanEquals": False,
        "Next": "ToolCalls",
    }
    assert states["MoreTools"]["Default"] == "RequestApproval"
    assert states["RequestApproval"]["Next"] == "Decision"
    assert states["Publish"]["Next"] == "Published"
    assert states["Published"]["Type"] == "Succeed"


def test_the_reviewer_decides_publish_one_revision_or_rejected(states: dict[str, Mapping[str, Any]]) -> None:
    approve, revise, reject = states["Decision"]["Choices"]
    assert approve == {"Variable": "$.approval.decision", "StringEquals": "approve", "Next": "Publish"}
    assert revise["Next"] == "Revise"
    assert {"Variable": "$.revision", "NumericLessThanPath": "$.limits.maxRevisions"} in revise["And"]
    assert reject["Next"] == "NoteRejected"
    assert states["NoteRejected"]["Parameters"]["Error"] == "Rejected"
    assert states["Decision"]["Default"] == "NoteUnknownDecision"
    assert states["Revise"]["Next"] == "MoreTools"
    assert states["Revise"]["Resource"] == states["Aggregate"]["Resource"]


def test_approval_waits_for_the_token_with_a_timeout(states: dict[str, Mapping[str, Any]]) -> None:
    approval = states["RequestApproval"]
    assert approval["Resource"].endswith("lambda:invoke.waitForTaskToken")
    assert approval["TimeoutSeconds"] == AgentSettings().approval_timeout_seconds
    assert approval["Parameters"]["Payload"]["input"]["taskToken.$"] == "$$.Task.Token"
    assert catches(approval) == {"States.Timeout": "NoteApprovalTimedOut", "States.ALL": "RecordOutcome"}
    assert states["NoteApprovalTimedOut"]["Parameters"]["Error"] == "ApprovalTimedOut"


def test_every_business_outcome_is_recorded_then_fails_by_name(states: dict[str, Mapping[str, Any]]) -> None:
    assert states["RecordOutcome"]["Next"] == "Outcome"
    assert catches(states["RecordOutcome"]) == {"States.ALL": "Outcome"}
    routed = {}
    for rule in states["Outcome"]["Choices"]:
        conditions = rule.get("Or", [rule])
        for condition in conditions:
            routed[condition["StringEquals"]] = rule["Next"]
    assert routed == {**{name: name for name in BUSINESS_OUTCOMES}, "InvalidInput": "InvalidRequest"}
    assert states["Outcome"]["Default"] == AGENT_FAILED
    for name in (*BUSINESS_OUTCOMES, AGENT_FAILED):
        assert states[name]["Type"] == "Fail"
        assert states[name]["Error"] == name


@pytest.mark.parametrize(
    ("state", "routes"),
    [
        (
            "Validate",
            {
                "InvalidRequest": "Refusal",
                "InvalidInput": "Refusal",
                "DuplicateRequest": "Refusal",
                "States.ALL": "NoteRefusal",
            },
        ),
        (
            "Plan",
            {
                "InvalidPlan": "RecordOutcome",
                "BudgetExceeded": "RecordOutcome",
                "States.ALL": "RecordOutcome",
            },
        ),
        ("Aggregate", {"BudgetExceeded": "RecordOutcome", "States.ALL": "RecordOutcome"}),
        ("Revise", {"BudgetExceeded": "RecordOutcome", "States.ALL": "RecordOutcome"}),
        ("ToolCalls", {"States.ALL": "RecordOutcome"}),
        ("Publish", {"States.ALL": "RecordOutcome"}),
    ],
)
def test_failures_route_to_record_outcome(
    states: dict[str, Mapping[str, Any]], state: str, routes: dict[str, str]
) -> None:
    assert catches(states[state]) == routes
    assert states["NoteRefusal"]["Next"] == "RecordOutcome"


def test_a_refused_request_ends_in_its_fail_state_at_once(states: dict[str, Mapping[str, Any]]) -> None:
    """Validate claimed nothing for a refused request: no report to write, no step in between."""
    refusal = states["Refusal"]
    assert [(rule["StringEquals"], rule["Next"]) for rule in refusal["Choices"]] == [
        ("DuplicateRequest", "DuplicateRequest")
    ]
    assert refusal["Default"] == "InvalidRequest"
    assert states["InvalidRequest"]["Type"] == states["DuplicateRequest"]["Type"] == "Fail"


def test_model_steps_retry_model_unavailable(states: dict[str, Mapping[str, Any]]) -> None:
    for name in ("Plan", "Aggregate", "Revise"):
        retried = {error for rule in states[name]["Retry"] for error in rule["ErrorEquals"]}
        assert "ModelUnavailable" in retried


def test_tool_calls_map_is_bounded_and_routes_each_decision(states: dict[str, Mapping[str, Any]]) -> None:
    tool_calls = states["ToolCalls"]
    assert tool_calls["MaxConcurrency"] == AgentSettings().max_concurrency
    assert tool_calls["ItemsPath"] == "$.plan.calls"
    assert tool_calls["ResultPath"] == "$.results"
    inner = states_by_name(tool_calls["ItemProcessor"])
    assert tool_calls["ItemProcessor"]["StartAt"] == "CheckCircuit"
    call, wait = inner["CircuitDecision"]["Choices"]
    assert call["Next"] == "WhichTool"
    assert {c["StringEquals"] for c in call["Or"]} == {"call", "probe"}
    assert wait == {"Variable": "$.circuit.decision", "StringEquals": "wait", "Next": "WaitForCoolDown"}
    assert inner["CircuitDecision"]["Default"] == "SkipTool"
    assert inner["WaitForCoolDown"]["TimestampPath"] == "$.circuit.waitUntil"
    assert inner["WaitForCoolDown"]["Next"] == "CheckCircuit"
    assert inner["SkipTool"]["Parameters"]["status"] == "skipped"
    assert catches(inner["CheckCircuit"]) == {"States.ALL": "CircuitUnavailable"}


def test_each_enabled_tool_is_its_own_task_whose_failure_is_recorded(
    states: dict[str, Mapping[str, Any]],
) -> None:
    inner = states_by_name(states["ToolCalls"]["ItemProcessor"])
    routes = {rule["StringEquals"]: rule["Next"] for rule in inner["WhichTool"]["Choices"]}
    assert routes == {
        "search_knowledge_base": "CallSearchKnowledgeBase",
        "lookup_order": "CallLookupOrder",
        "fetch_url": "CallFetchUrl",
        "calculator": "CallCalculator",
    }
    functions = set()
    for task in routes.values():
        assert catches(inner[task]) == {"States.ALL": "RecordToolFailure"}
        assert inner[task]["Next"] == "RecordToolSuccess"
        assert inner[task]["Retry"][0]["ErrorEquals"][0].startswith("Lambda.")
        functions.add(inner[task]["Resource"])
    assert len(functions) == 4
    assert inner["RecordToolSuccess"]["OutputPath"] == "$.result"
    assert inner["RecordToolFailure"]["Parameters"]["input"]["outcome"] == "failure"


def test_guard_states_only_when_a_guardrail_is_configured(asl: dict[str, Any]) -> None:
    assert not {ref.name for ref in iter_states(asl)} & {"GuardTask", "GuardDraft"}
    guarded = states_by_name(_asl(guarded_template()))
    assert guarded["IsDuplicate"]["Default"] == "GuardTask"
    assert guarded["GuardTask"]["Next"] == "Plan"
    assert guarded["GuardTask"]["Parameters"]["input"]["source"] == "INPUT"
    assert guarded["MoreTools"]["Default"] == "GuardDraft"
    assert guarded["GuardDraft"]["Next"] == "RequestApproval"
    assert guarded["GuardDraft"]["Parameters"]["input"]["source"] == "OUTPUT"
    for name in ("GuardTask", "GuardDraft"):
        assert catches(guarded[name]) == {"GuardrailBlocked": "RecordOutcome", "States.ALL": "RecordOutcome"}


def test_the_guardrail_is_applied_on_its_arn_only() -> None:
    [statement] = _granting(guarded_template(), "WorkflowStepsGuard", "bedrock:ApplyGuardrail")
    arn = json.dumps(statement["Resource"])
    assert ":guardrail/gr7abc123" in arn
    assert "*" not in arn


def test_the_model_is_invoked_on_its_foundation_model_arn_only(template: dict[str, Any]) -> None:
    for role in ("WorkflowStepsPlan", "WorkflowStepsAggregate"):
        [statement] = _granting(template, role, "bedrock:InvokeModel")
        arn = json.dumps(statement["Resource"])
        assert "::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0" in arn
        assert "*" not in arn
    for role in ("WorkflowStepsValidate", "WorkflowStepsPublish", "WorkflowToolsCalculator"):
        assert not _granting(template, role, "bedrock:InvokeModel")


def test_an_inference_profile_reaches_its_model_only_through_the_profile() -> None:
    profile, model = _granting(profile_template(), "WorkflowStepsPlan", "bedrock:InvokeModel")
    assert ":inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0" in json.dumps(profile["Resource"])
    assert "Condition" not in profile
    assert ":bedrock:*::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0" in json.dumps(
        model["Resource"]
    )
    [condition] = model["Condition"]["StringEquals"].values()
    assert json.dumps(condition) == json.dumps(profile["Resource"])


def test_tools_read_the_composed_workflows_only(template: dict[str, Any]) -> None:
    [vectors] = _granting(template, "WorkflowToolsSearchKnowledgeBase", "s3vectors:QueryVectors")
    assert sorted(_actions(vectors)) == ["s3vectors:GetVectors", "s3vectors:QueryVectors"]
    assert "Stepwise-dev-Rag" in json.dumps(vectors["Resource"])
    [embed] = _granting(template, "WorkflowToolsSearchKnowledgeBase", "bedrock:InvokeModel")
    assert "foundation-model/amazon.titan-embed-text-v2:0" in json.dumps(embed["Resource"])
    [orders] = _granting(template, "WorkflowToolsLookupOrder", "dynamodb:GetItem")
    assert _actions(orders) == ["dynamodb:GetItem"]
    assert "Stepwise-dev-Orders" in json.dumps(orders["Resource"])
    for tool in ("WorkflowToolsCalculator", "WorkflowToolsFetchUrl"):
        actions = {action for s in _statements(template, tool) for action in _actions(s)}
        assert actions <= {
            "s3:PutObject",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
        }


def test_publish_puts_events_for_its_source_on_one_bus(template: dict[str, Any]) -> None:
    [statement] = _granting(template, "WorkflowStepsPublish", "events:PutEvents")
    assert statement["Condition"] == {"StringEquals": {"events:source": ["stepwise.agent"]}}
    assert "event-bus/default" in json.dumps(statement["Resource"])


def test_only_the_approver_decrypts_tokens_and_sends_them(template: dict[str, Any]) -> None:
    decrypt = [s for s in _statements(template, "WorkflowApprover") if "kms:Decrypt" in _actions(s)]
    [statement] = decrypt
    assert statement["Condition"] == {
        "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["requestId", "executionId"]}
    }
    senders = {
        key
        for key, policy in resources(template, "AWS::IAM::Policy").items()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if "states:SendTaskSuccess" in _actions(s)
    }
    assert len(senders) == 1 and next(iter(senders)).startswith("WorkflowApprover")


def test_tables_bucket_and_topic_are_secured(template: dict[str, Any]) -> None:
    tables = resources(template, "AWS::DynamoDB::GlobalTable")
    prefixes = {"WorkflowRequests", "WorkflowBreakers", "WorkflowIdempotency"}
    assert {prefix for prefix in prefixes for key in tables if key.startswith(prefix)} == prefixes
    for table in tables.values():
        replica = table["Properties"]["Replicas"][0]
        assert replica["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    [idempotency] = [t for key, t in tables.items() if "Idempotency" in key]
    assert idempotency["Properties"]["TimeToLiveSpecification"]["AttributeName"] == "expiration"
    [runs] = [
        b for key, b in resources(template, "AWS::S3::Bucket").items() if key.startswith("WorkflowRuns")
    ]
    assert runs["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
    for topic in resources(template, "AWS::SNS::Topic").values():
        assert "KmsMasterKeyId" in topic["Properties"]


def test_failures_page_except_business_outcomes(template: dict[str, Any]) -> None:
    [metric_filter] = resources(template, "AWS::Logs::MetricFilter").values()
    pattern = metric_filter["Properties"]["FilterPattern"]
    for name in BUSINESS_OUTCOMES:
        assert f'$.details.error != "{name}"' in pattern
    assert AGENT_FAILED not in pattern


def test_a_tool_without_its_workflow_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match=r"environments\.qa\.agent\.tools: lookup_order needs the orders"):
        load_environment(
            {"qa": {"workflows": ["agent", "rag"], "agent": {"tools": ["lookup_order"]}}},
            "qa",
        )


def test_the_construct_refuses_an_enabled_tool_without_its_resources() -> None:
    config = load_environment({"qa": {"sandbox": True, "workflows": ["agent"]}}, "qa")
    stack = WorkflowStack(fresh_app(), "Agent", config.platform)
    settings = AgentSettings(tools=("search_knowledge_base",))
    with pytest.raises(ConfigError, match=r"agent\.tools: search_knowledge_base is enabled but no rag"):
        AgentWorkflow(
            stack,
            "Workflow",
            AgentWorkflowProps(platform=config.platform, settings=settings, alarm_topic=stack.alarm_topic),
        )


def test_a_probe_claim_outlasts_every_attempt_of_its_tool_call(template: dict[str, Any]) -> None:
    settings = AgentSettings()
    variables = [
        function["Properties"].get("Environment", {}).get("Variables", {})
        for function in resources(template, "AWS::Lambda::Function").values()
    ]
    breakers = [json.loads(found["CIRCUIT_BREAKER"]) for found in variables if "CIRCUIT_BREAKER" in found]
    assert len(breakers) == 2, "CheckCircuit and RecordToolOutcome"
    for rules in breakers:
        # LAMBDA_RETRY: 4 attempts of the tool's timeout (plus margin), with backoff between them.
        assert rules["probeTimeoutSeconds"] > settings.tool_timeout_seconds * 4
        assert rules["failureThreshold"] == settings.circuit_breaker.failure_threshold
