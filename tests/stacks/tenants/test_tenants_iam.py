"""Least privilege of the tenants stack across the organization: who may assume each role, and what
each may do to which accounts and OUs (issue 15)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.application import compose, project_context
from stacks.config import load_environment
from tests.quality.trust import render
from tests.support.synth import fresh_app, resources, template_of

SETTINGS = load_environment(project_context()["environments"], "dev").tenants
ORGANIZATION = "o-stpwplaceholder"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return template_of("dev", "tenants")


def role(template: dict[str, Any], prefix: str) -> dict[str, Any]:
    [found] = [
        value for key, value in resources(template, "AWS::IAM::Role").items() if key.startswith(prefix)
    ]
    return found


def statements(template: dict[str, Any], role_prefix: str) -> list[dict[str, Any]]:
    """Allow statements of the identity policies attached to the role whose logical id starts so."""
    [role_id] = [key for key in resources(template, "AWS::IAM::Role") if key.startswith(role_prefix)]
    return [
        statement
        for policy in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def granting(template: dict[str, Any], role_prefix: str, action: str) -> list[dict[str, Any]]:
    """Each statement granting `action`, with its resources rendered as text."""
    found = []
    for statement in statements(template, role_prefix):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if action in actions:
            targets = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            found.append({**statement, "Resource": sorted(render(target) for target in targets)})
    return found


def test_the_default_access_role_is_dedicated_to_tenants() -> None:
    assert SETTINGS.account_access_role_name == "StepwiseTenantAccess"


def test_no_policy_names_the_organization_access_role(template: dict[str, Any]) -> None:
    assert "OrganizationAccountAccessRole" not in json.dumps(template)


def test_accounts_are_created_with_the_dedicated_role(template: dict[str, Any]) -> None:
    definition = json.dumps(template)
    assert '\\"RoleName\\":\\"StepwiseTenantAccess\\"' in definition
    for stack_set in resources(template, "AWS::CloudFormation::StackSet").values():
        assert stack_set["Properties"]["ExecutionRoleName"] == "StepwiseTenantAccess"


def test_stack_set_administration_role_assumes_the_access_role_only_under_tenant_ous(
    template: dict[str, Any],
) -> None:
    [statement] = statements(template, "WorkflowStackSetAdministrationRole")
    assert statement["Action"] == "sts:AssumeRole"
    assert render(statement["Resource"]) == "arn:<AWS.Partition>:iam::*:role/StepwiseTenantAccess"
    assert statement["Condition"] == {
        "ForAnyValue:StringLike": {
            "aws:ResourceOrgPaths": [
                f"{ORGANIZATION}/*/ou-stpw-tenants01/*",
                f"{ORGANIZATION}/*/ou-stpw-quarantine/*",
            ]
        }
    }


def test_stack_set_administration_role_trusts_only_this_stacks_stack_sets(template: dict[str, Any]) -> None:
    [trust] = role(template, "WorkflowStackSetAdministrationRole")["Properties"]["AssumeRolePolicyDocument"][
        "Statement"
    ]
    assert trust["Principal"] == {"Service": "cloudformation.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    sources = sorted(render(arn) for arn in trust["Condition"]["ArnLike"]["aws:SourceArn"])
    names = sorted(
        stack_set["Properties"]["StackSetName"]
        for stack_set in resources(template, "AWS::CloudFormation::StackSet").values()
    )
    assert sources == [
        f"arn:<AWS.Partition>:cloudformation:<AWS.Region>:<AWS.AccountId>:stackset/{name}:*" for name in names
    ]


def test_state_machine_role_trusts_exactly_the_provisioning_machine(template: dict[str, Any]) -> None:
    [machine] = resources(template, "AWS::StepFunctions::StateMachine").values()
    name = machine["Properties"]["StateMachineName"]
    assert name == "Stepwise-dev-Tenants-Provisioning"
    assert machine["Properties"]["RoleArn"]["Fn::GetAtt"][0].startswith("WorkflowProvisioningRole")
    [trust] = role(template, "WorkflowProvisioningRole")["Properties"]["AssumeRolePolicyDocument"][
        "Statement"
    ]
    assert trust["Principal"] == {"Service": "states.amazonaws.com"}
    assert render(trust["Condition"]["ArnEquals"]["aws:SourceArn"]) == (
        f"arn:<AWS.Partition>:states:<AWS.Region>:<AWS.AccountId>:stateMachine:{name}"
    )
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


def test_move_account_reaches_tagged_accounts_and_the_tenant_and_quarantine_ous_only(
    template: dict[str, Any],
) -> None:
    base = "arn:<AWS.Partition>:organizations::<AWS.AccountId>"
    by_condition = {
        json.dumps(statement.get("Condition")): statement["Resource"]
        for statement in granting(template, "WorkflowProvisioningRole", "organizations:MoveAccount")
    }
    assert by_condition == {
        json.dumps({"Null": {"aws:ResourceTag/stepwise:tenant": "false"}}): [
            f"{base}:account/{ORGANIZATION}/*"
        ],
        "null": sorted(
            [
                f"{base}:ou/{ORGANIZATION}/ou-stpw-tenants01",
                f"{base}:ou/{ORGANIZATION}/ou-stpw-quarantine",
                f"{base}:root/{ORGANIZATION}/r-*",
            ]
        ),
    }
    assert "ou-stpw-suspended" not in json.dumps(by_condition), "retirement (an operator) suspends"


def test_tags_are_written_only_with_the_tenant_tag(template: dict[str, Any]) -> None:
    for prefix in ("WorkflowProvisioningRole", "WorkflowReconcileFunctionRole"):
        [statement] = granting(template, prefix, "organizations:TagResource")
        assert statement["Condition"] == {"Null": {"aws:RequestTag/stepwise:tenant": "false"}}
        assert statement["Resource"] == [
            f"arn:<AWS.Partition>:organizations::<AWS.AccountId>:account/{ORGANIZATION}/*"
        ]


def test_list_parents_of_an_account_needs_the_tenant_tag(template: dict[str, Any]) -> None:
    for statement in granting(template, "WorkflowProvisioningRole", "organizations:ListParents"):
        if any(":account/" in resource for resource in statement["Resource"]):
            assert statement["Condition"] == {"Null": {"aws:ResourceTag/stepwise:tenant": "false"}}


def test_the_configured_ous_and_organization_scope_every_grant() -> None:
    section = {
        **project_context()["environments"]["dev"],
        "tenants": {
            "organizationId": "o-a1b2c3d4e5",
            "allowedOuIds": ["ou-ab12-aaaaaaaa", "ou-ab12-bbbbbbbb"],
            "quarantineOuId": "ou-ab12-qqqqqqqq",
            "suspendedOuId": "ou-ab12-ssssssss",
            "accountAccessRoleName": "AcmeTenantAdmin",
        },
    }
    stacks = compose(fresh_app(), load_environment({"dev": section}, "dev"), ["tenants"])
    template = Template.from_stack(stacks["tenants"]).to_json()
    [assume] = statements(template, "WorkflowStackSetAdministrationRole")
    assert render(assume["Resource"]).endswith(":iam::*:role/AcmeTenantAdmin")
    assert assume["Condition"]["ForAnyValue:StringLike"]["aws:ResourceOrgPaths"] == [
        "o-a1b2c3d4e5/*/ou-ab12-aaaaaaaa/*",
        "o-a1b2c3d4e5/*/ou-ab12-bbbbbbbb/*",
        "o-a1b2c3d4e5/*/ou-ab12-qqqqqqqq/*",
    ]
    moves = granting(template, "WorkflowProvisioningRole", "organizations:MoveAccount")
    ous = sorted(
        resource.rsplit("/", 1)[1] for s in moves for resource in s["Resource"] if ":ou/" in resource
    )
    assert ous == ["ou-ab12-aaaaaaaa", "ou-ab12-bbbbbbbb", "ou-ab12-qqqqqqqq"]
