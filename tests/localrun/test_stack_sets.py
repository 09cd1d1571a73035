"""AWS::CloudFormation::StackSet resources are created in moto, instances get merged parameters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from localrun import LocalRunner
from tests.localrun.asl_stacks import ROLE, asl_template

BASELINE = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Tier: {Type: String}
  Owner: {Type: String}
Resources:
  TierParameter:
    Type: AWS::SSM::Parameter
    Properties: {Name: /baseline/tier, Type: String, Value: !Ref Tier}
"""
MEMBER = "111111111111"
OTHER = "222222222222"

RESOURCES = {
    "AdminRole": ROLE,
    "Baseline": {
        "Type": "AWS::CloudFormation::StackSet",
        "Properties": {
            "StackSetName": "tenant-baseline",
            "PermissionModel": "SELF_MANAGED",
            "AdministrationRoleARN": {"Fn::GetAtt": ["AdminRole", "Arn"]},
            "ExecutionRoleName": "OrganizationAccountAccessRole",
            "Capabilities": ["CAPABILITY_NAMED_IAM"],
            "TemplateBody": BASELINE,
            "Parameters": [
                {"ParameterKey": "Tier", "ParameterValue": "unassigned"},
                {"ParameterKey": "Owner", "ParameterValue": {"Ref": "AWS::AccountId"}},
            ],
            "StackInstancesGroup": [
                {
                    "DeploymentTargets": {"Accounts": [MEMBER]},
                    "Regions": ["us-east-1"],
                    "ParameterOverrides": [{"ParameterKey": "Tier", "ParameterValue": "gold"}],
                }
            ],
        },
    },
}
PASS = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}


@pytest.fixture(scope="module")
def stack_sets() -> Iterator[LocalRunner]:
    with LocalRunner(asl_template("StackSets", PASS, RESOURCES)) as runner:
        yield runner


def stack_parameters(account_id: str, stack_set: str) -> dict[str, str]:
    """The parameters of the stack an instance deployed in `account_id`, read from inside it."""
    credentials = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole", RoleSessionName="test"
    )["Credentials"]
    cloudformation = boto3.client(
        "cloudformation",
        region_name="us-east-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    [stack] = cloudformation.describe_stacks(StackName=f"StackSet:{stack_set}")["Stacks"]
    return {item["ParameterKey"]: item["ParameterValue"] for item in stack["Parameters"]}


def by_key(parameters: list[dict[str, Any]]) -> dict[str, str]:
    return {item["ParameterKey"]: item["ParameterValue"] for item in parameters}


def test_the_stack_set_exists_with_its_resolved_parameters(stack_sets: LocalRunner) -> None:
    resource = stack_sets.resource("Baseline")
    described = stack_sets.client("cloudformation").describe_stack_set(StackSetName="tenant-baseline")

    assert resource.provisioned and resource.name == "tenant-baseline"
    assert resource.ref == described["StackSet"]["StackSetId"] == resource.attributes["StackSetId"]
    assert by_key(described["StackSet"]["Parameters"]) == {"Tier": "unassigned", "Owner": "123456789012"}
    assert described["StackSet"]["AdministrationRoleARN"] == stack_sets.resource("AdminRole").arn


def test_stack_instances_group_is_deployed_with_overrides_over_the_stack_set_values(
    stack_sets: LocalRunner,
) -> None:
    assert stack_parameters(MEMBER, "tenant-baseline") == {"Tier": "gold", "Owner": "123456789012"}


def test_create_stack_instances_merges_parameter_overrides(stack_sets: LocalRunner) -> None:
    cloudformation = stack_sets.client("cloudformation")
    cloudformation.create_stack_instances(
        StackSetName="tenant-baseline",
        Accounts=[OTHER],
        Regions=["us-east-1"],
        ParameterOverrides=[
            {"ParameterKey": "Tier", "ParameterValue": "premium"},
            {"ParameterKey": "Owner", "UsePreviousValue": True},
        ],
    )

    assert stack_parameters(OTHER, "tenant-baseline") == {"Tier": "premium", "Owner": "123456789012"}
    instance = cloudformation.describe_stack_instance(
        StackSetName="tenant-baseline", StackInstanceAccount=OTHER, StackInstanceRegion="us-east-1"
    )["StackInstance"]
    assert by_key([item for item in instance["ParameterOverrides"] if "ParameterValue" in item]) == {
        "Tier": "premium"
    }


def test_a_template_url_moto_cannot_read_leaves_a_placeholder_with_the_reason() -> None:
    resources = {
        "Remote": {
            "Type": "AWS::CloudFormation::StackSet",
            "Properties": {
                "StackSetName": "remote-template",
                "PermissionModel": "SELF_MANAGED",
                "TemplateURL": "https://cdk-assets.s3.us-east-1.amazonaws.com/baseline.json",
            },
        }
    }
    with LocalRunner(asl_template("RemoteStackSet", PASS, resources)) as runner:
        resource = runner.resource("Remote")
        notes = dict(runner.deployment.notes)

    assert not resource.provisioned
    assert "StackSet not created" in notes["Remote"]
