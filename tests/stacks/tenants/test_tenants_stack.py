"""The synthesized tenants stack: StackSets, registry, the state graph and least privilege."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from stacks.common.contracts import handler_contract
from stacks.tenants.settings import BASELINE_DIR
from tests.support.asl import catches, states_by_name
from tests.support.environments import environment_names
from tests.support.synth import app_stacks, definitions_of, resources, template_of

ENVIRONMENTS = environment_names("tenants")
FAILURE_HANDLER = "AccountCreated"
CONTRACT = handler_contract("tenants")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return template_of("dev", "tenants")


@pytest.fixture(scope="module")
def asl(template: dict[str, Any]) -> dict[str, Any]:
    [definition] = definitions_of(template).values()
    return definition


@pytest.fixture(scope="module")
def states(asl: dict[str, Any]) -> dict[str, Mapping[str, Any]]:
    return states_by_name(asl)


def statements(template: dict[str, Any], logical_prefix: str) -> list[dict[str, Any]]:
    """Every statement of the policies attached to the role whose logical id starts with the prefix."""
    roles = {
        logical_id
        for logical_id in resources(template, "AWS::IAM::Role")
        if logical_id.startswith(logical_prefix)
    }
    found = []
    for policy in resources(template, "AWS::IAM::Policy").values():
        attached = {
            role.get("Ref") for role in policy["Properties"].get("Roles", []) if isinstance(role, dict)
        }
        if attached & roles:
            found.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return found


@pytest.mark.parametrize("env_name", ENVIRONMENTS)
def test_stack_name_standard_workflow_and_timeout(env_name: str) -> None:
    assert app_stacks(env_name)["tenants"].stack_name == f"Stepwise-{env_name}-Tenants"
    [machine] = resources(template_of(env_name, "tenants"), "AWS::StepFunctions::StateMachine").values()
    assert machine["Properties"]["StateMachineType"] == "STANDARD"
    [definition] = definitions_of(template_of(env_name, "tenants")).values()
    assert definition["TimeoutSeconds"] == 240 * 60


def test_one_self_managed_stack_set_per_baseline_template(template: dict[str, Any]) -> None:
    stack_sets = {
        item["Properties"]["StackSetName"]: item["Properties"]
        for item in resources(template, "AWS::CloudFormation::StackSet").values()
    }
    assert sorted(stack_sets) == [
        f"Stepwise-dev-Tenants-{name}" for name in ("iam-roles", "logging", "networking", "tagging")
    ]
    for name, properties in stack_sets.items():
        baseline = name.removeprefix("Stepwise-dev-Tenants-")
        assert properties["PermissionModel"] == "SELF_MANAGED"
        assert properties["ExecutionRoleName"] == "StepwiseTenantAccess"
        assert properties["ManagedExecution"] == {"Active": True}
        assert properties["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
        assert properties["TemplateBody"] == (BASELINE_DIR / f"{baseline}.yaml").read_text()
        assert "StackInstancesGroup" not in properties, "instances are the workflow's job"
    iam_parameters = {
        item["ParameterKey"]: item["ParameterValue"]
        for item in stack_sets["Stepwise-dev-Tenants-iam-roles"]["Parameters"]
    }
    assert iam_parameters == {
        "TenantId": "unassigned",
        "TenantTier": "unassigned",
        "PlatformAccountId": {"Ref": "AWS::AccountId"},
        "AccountAccessRoleName": "StepwiseTenantAccess",
        "ReadOnlyPrincipalArns": "",
        "ReadOnlyTenantData": "false",
    }


def test_registry_has_a_status_index_for_the_sweep(template: dict[str, Any]) -> None:
    [table] = resources(template, "AWS::DynamoDB::GlobalTable").values()
    properties = table["Properties"]
    assert properties["KeySchema"] == [{"AttributeName": CONTRACT.REGISTRY_KEY, "KeyType": "HASH"}]
    [index] = properties["GlobalSecondaryIndexes"]
    # scripts/tenants' sweep queries this index by name.
    assert index["IndexName"] == CONTRACT.STATUS_INDEX == "byStatus"
    assert [key["AttributeName"] for key in index["KeySchema"]] == [
        CONTRACT.STATUS_ATTRIBUTE,
        CONTRACT.REGISTRY_KEY,
    ]


def test_outputs_tell_the_scripts_where_things_are(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert outputs["BaselineStackSets"]["Value"] == ",".join(
        f"Stepwise-dev-Tenants-{name}" for name in ("networking", "iam-roles", "logging", "tagging")
    )
    assert outputs["QuarantineOuId"]["Value"] == "ou-stpw-quarantine"
    assert outputs["SuspendedOuId"]["Value"] == "ou-stpw-suspended"
    assert {"RegistryTableName", "StateMachineArn", "NotificationTopicArn"} <= set(outputs)
    assert outputs["BaselineRegions"]["Value"] == {"Ref": "AWS::Region"}
    assert json.loads(outputs["TierDefaults"]["Value"])["premium"]["supportLevel"] == "business"


def test_main_path_order(asl: dict[str, Any], states: Mapping[str, Mapping[str, Any]]) -> None:
    path, name = [], asl["StartAt"]
    while name in states and "Next" in states[name]:
        path.append(name)
        name = states[name]["Next"]
    assert path == [
        "ValidateRequest",
        "ClaimTenant",
        "CreateAccount",
        "RecordAccountRequest",
        "WaitForActivation",
        "GetAccountStatus",
    ]
    choices = {rule["Next"] for rule in states["AccountStatus"]["Choices"]}
    assert choices == {"ReadAccountId", "ReadFailureReason", "ActivationTimedOut"}
    assert states["AccountStatus"]["Default"] == "CountActivationPoll"
    name, after = "ReadAccountId", []
    while "Next" in states[name]:
        name = states[name]["Next"]
        after.append(name)
    assert after == [
        "RecordAccount",
        "FindAccountParent",
        "MoveAccount",
        "PlanBaseline",
        "ApplyBaseline",
        "ActivateTenant",
        "PublishTenantProvisioned",
        "NotifyTenantProvisioned",
        "TenantProvisioned",
    ]


def test_activation_poll_is_bounded_by_config(states: Mapping[str, Mapping[str, Any]]) -> None:
    assert states["WaitForActivation"]["Seconds"] == 30
    [bound] = [rule for rule in states["AccountStatus"]["Choices"] if rule["Next"] == "ActivationTimedOut"]
    assert bound == {
        "Variable": "$.account.polls",
        "NumericGreaterThanEquals": 39,
        "Next": "ActivationTimedOut",
    }


def test_native_integrations_keep_only_what_they_need(states: Mapping[str, Mapping[str, Any]]) -> None:
    sdk_tasks = {
        name: state
        for name, state in states.items()
        if state["Type"] == "Task" and ":aws-sdk:" in state["Resource"]
    }
    assert {state["Resource"].rsplit(":", 2)[-2] for state in sdk_tasks.values()} == {
        "organizations",
        "cloudformation",
    }
    for name, state in sdk_tasks.items():
        if state.get("ResultPath", "$") is not None:
            assert "ResultSelector" in state, f"{name} passes a raw SDK result on"
    lambdas = [name for name, state in states.items() if ":lambda:" in state.get("Resource", "")]
    assert sorted(lambdas) == ["LoadExistingTenant", "ReconcileAccount", "ValidateRequest"]


def test_claim_is_a_conditional_write(states: Mapping[str, Mapping[str, Any]]) -> None:
    claim = states["ClaimTenant"]
    assert claim["Resource"].endswith(":dynamodb:putItem")
    assert claim["Parameters"]["ConditionExpression"].startswith("attribute_not_exists(tenantId)")
    assert catches(claim)["DynamoDB.ConditionalCheckFailedException"] == "LoadExistingTenant"


def test_create_account_is_retried_only_when_organizations_did_not_accept_it(
    states: Mapping[str, Mapping[str, Any]],
) -> None:
    create = states["CreateAccount"]
    retried = {error for retry in create["Retry"] for error in retry["ErrorEquals"]}
    assert retried == {
        "Organizations.TooManyRequestsException",
        "Organizations.ConcurrentModificationException",
    }
    assert catches(create) == {
        "Organizations.ServiceException": "CreateAccountUnanswered",
        "Organizations.ServiceUnavailableException": "CreateAccountUnanswered",
        "States.Timeout": "CreateAccountUnanswered",
        "States.ALL": "CreateAccountFailed",
    }


def test_a_lost_create_account_answer_is_reconciled_then_polled(
    states: Mapping[str, Mapping[str, Any]],
) -> None:
    reconcile = states["ReconcileAccount"]
    assert reconcile["Next"] == "RecordAccountRequest"
    assert reconcile["ResultPath"] == "$.account"
    assert reconcile["Parameters"]["input"] == {
        "tenantId.$": "$.request.tenantId",
        "accountName.$": "$.request.accountName",
        "email.$": "$.request.email",
        "accountTags.$": "$.request.accountTags",
        "executionId.$": "$$.Execution.Id",
    }
    retries = {tuple(retry["ErrorEquals"]): retry for retry in reconcile["Retry"]}
    assert retries[("AccountRequestUnconfirmed", "Sandbox.Timedout", "States.Timeout")]["MaxAttempts"] == 3
    pending = retries[("AccountRequestPending",)]
    assert (pending["IntervalSeconds"], pending["MaxAttempts"], pending["BackoffRate"]) == (30, 40, 1)
    assert catches(reconcile) == {"States.ALL": "CreateAccountFailed"}
    # Until ReconcileAccount answers, an account may exist: a failure then is not NO_ACCOUNT, unless
    # reconciling proved that the e-mail's account is not this claim's.
    assert states["CreateAccountUnanswered"] == {
        "Type": "Pass",
        "ResultPath": "$.account",
        "Parameters": {"state": "UNCONFIRMED"},
        "Next": "ReconcileAccount",
    }
    [unresolved] = [
        rule for rule in states[FAILURE_HANDLER]["Choices"] if rule["Next"] == "AccountRequestUnresolved"
    ]
    assert unresolved["And"] == [
        {"Variable": "$.account.state", "IsPresent": True},
        {"Variable": "$.account.state", "StringEquals": "UNCONFIRMED"},
        {"Not": {"Variable": "$.failure.error", "StringEquals": "EmailBelongsToAnotherAccount"}},
    ]
    assert states["AccountRequestUnresolved"]["Parameters"]["status"] == "QUARANTINE_FAILED"


def test_conditional_writes_accept_their_own_applied_effect(states: Mapping[str, Mapping[str, Any]]) -> None:
    activate = states["ActivateTenant"]["Parameters"]
    assert (
        activate["ConditionExpression"] == "executionId = :execution AND #status IN (:provisioning, :active)"
    )
    for name in ("RecordAccountRequest", "RecordAccount", "MarkTenantFailed"):
        assert states[name]["Parameters"]["ConditionExpression"] == "executionId = :execution"
    # A retried claim whose write landed finds its own claim and carries on, with `$.account` set.
    assert states["ClaimedByThisExecution"]["Choices"][0]["Next"] == "ResumeOwnClaim"
    assert states["ResumeOwnClaim"] == {
        "Type": "Pass",
        "ResultPath": "$.account",
        "Parameters": {"state": "NOT_REQUESTED"},
        "Next": "CreateAccount",
    }
    claim = states["ClaimTenant"]["Parameters"]
    reclaimable = {
        key: value["S"]
        for key, value in claim["ExpressionAttributeValues"].items()
        if key.startswith(":reclaimable")
    }
    assert sorted(reclaimable.values()) == [
        "AccountCreationFailed",
        "EmailAlreadyExists",
        "EmailBelongsToAnotherAccount",
    ]
    # DynamoDB refuses a value the expression does not use: every placeholder is in the condition.
    assert claim["ConditionExpression"].endswith(f"failureError IN ({', '.join(reclaimable)}))")


def test_baseline_map_concurrency_and_operation_polling(states: Mapping[str, Mapping[str, Any]]) -> None:
    apply = states["ApplyBaseline"]
    assert apply["MaxConcurrency"] == 2
    assert apply["ItemsPath"] == "$.plan.stackSets"
    create = states["CreateStackInstances"]["Parameters"]
    assert create["ParameterOverrides"][0] == {"ParameterKey": "TenantId", "ParameterValue.$": "$.tenantId"}
    assert "OperationId.$" in create
    retried = {error for retry in states["CreateStackInstances"]["Retry"] for error in retry["ErrorEquals"]}
    assert "CloudFormation.OperationInProgressException" in retried
    assert states["BaselineOperationFailed"]["Error"] == "BaselineOperationFailed"
    assert "States.Format" in states["BaselineOperationFailed"]["CausePath"]
    assert catches(apply)["States.ALL"] == "ApplyBaselineFailed"


def test_every_failure_after_the_claim_reaches_the_failure_handler(
    states: Mapping[str, Mapping[str, Any]],
) -> None:
    captures = [
        name
        for name, state in states.items()
        if name.endswith("Failed") and state["Type"] == "Pass" and name != "QuarantineFailed"
    ]
    assert sorted(captures) == [
        "AccountCreationFailed",
        "ActivateTenantFailed",
        "ApplyBaselineFailed",
        "CreateAccountFailed",
        "MoveAccountFailed",
    ]
    for name in [*captures, "EmailAlreadyExists", "ActivationTimedOut"]:
        assert states[name]["Next"] == FAILURE_HANDLER
        assert states[name]["ResultPath"] == "$.failure"
    handler = [states[FAILURE_HANDLER]["Default"], *(c["Next"] for c in states[FAILURE_HANDLER]["Choices"])]
    assert handler == [
        "NoAccountToQuarantine",
        "FindQuarantineSource",
        "LocateAccount",
        "AccountRequestUnresolved",
    ]
    # A requested account whose id is not known yet is looked up, so it is quarantined too.
    assert states["LocateAccount"]["Next"] == "RequestedAccountExists"
    exists = states["RequestedAccountExists"]
    assert [c["Next"] for c in exists["Choices"]] == ["ResolveAccountId"]
    assert exists["Default"] == "NoAccountToQuarantine"
    assert states["ResolveAccountId"]["Next"] == "FindQuarantineSource"
    for name in ("LocateAccount", "ResolveAccountId"):
        assert states[name]["Catch"][0]["Next"] == "AccountUnknown"
    assert states["AccountUnknown"]["Next"] == "MarkTenantFailed"
    assert states["QuarantineAccount"]["Parameters"]["DestinationParentId"] == "ou-stpw-quarantine"
    assert states["ProvisioningFailed"] == {
        "Type": "Fail",
        "ErrorPath": "$.failure.error",
        "CausePath": "$.failure.cause",
    }


def test_reconcile_function_reads_the_organization_and_creates_only_tagged_accounts(
    template: dict[str, Any],
) -> None:
    granted = {
        action: statement
        for statement in statements(template, "WorkflowReconcileFunctionRole")
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    }
    assert set(granted) == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "dynamodb:GetItem",
        "organizations:ListCreateAccountStatus",
        "organizations:ListAccounts",
        "organizations:DescribeAccount",
        "organizations:ListTagsForResource",
        "organizations:CreateAccount",
        "organizations:TagResource",
    }
    assert granted["organizations:CreateAccount"]["Condition"] == {
        "Null": {"aws:RequestTag/stepwise:tenant": "false"}
    }
    for action in (
        "organizations:DescribeAccount",
        "organizations:ListTagsForResource",
        "organizations:TagResource",
    ):
        assert "account/o-stpwplaceholder/*" in json.dumps(granted[action]["Resource"])
    assert granted["organizations:TagResource"]["Condition"] == {
        "Null": {"aws:RequestTag/stepwise:tenant": "false"}
    }
    assert "Registry" in json.dumps(granted["dynamodb:GetItem"]["Resource"])
