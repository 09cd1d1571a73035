"""The baseline templates: valid CloudFormation, the tenant parameters, and a real deployment in moto."""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

from scripts.tenants.local import (
    create_organization,
    create_stack_sets,
    merged_stack_set_parameters,
    tenant_session,
)
from stacks.tenants.baseline import (
    TENANT_PARAMETERS,
    UNASSIGNED,
    BaselineTemplate,
    declared_parameters,
)
from stacks.tenants.settings import BASELINE_DIR

SHIPPED = sorted(path.stem for path in BASELINE_DIR.glob("*.yaml"))
PLATFORM = {"PlatformAccountId": "123456789012", "AccountAccessRoleName": "StepwiseTenantAccess"}


class _CloudFormationLoader(yaml.SafeLoader):
    """Reads `!Ref`/`!Sub`/... as plain values: enough to inspect a template's structure."""


_CloudFormationLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def parsed(name: str) -> dict[str, Any]:
    return yaml.load((BASELINE_DIR / f"{name}.yaml").read_text(), Loader=_CloudFormationLoader)


def test_the_four_baselines_are_shipped() -> None:
    assert SHIPPED == ["iam-roles", "logging", "networking", "tagging"]


@pytest.mark.parametrize("name", SHIPPED)
def test_template_declares_the_tenant_parameters_and_defaults_the_rest(name: str) -> None:
    parameters = parsed(name)["Parameters"]
    assert declared_parameters(BaselineTemplate.shipped(name).body) == tuple(parameters)
    for required in TENANT_PARAMETERS:
        assert required in parameters
    supplied = set(TENANT_PARAMETERS) | set(PLATFORM)
    for key, spec in parameters.items():
        assert key in supplied or "Default" in spec, f"{name}: {key} has no value at instance time"


def test_cfn_lint_passes_on_every_template() -> None:
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    files = [str(BASELINE_DIR / f"{name}.yaml") for name in SHIPPED]
    result = subprocess.run([str(cfn_lint), *files], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_declared_parameters_reads_only_the_parameters_block() -> None:
    body = (
        "Description: x\n"
        "Parameters:\n"
        "    # a comment\n"
        "    TenantId:\n"
        "        Type: String\n"
        "    TenantTier: # trailing\n"
        "        Type: String\n"
        "Resources:\n"
        "    Bucket:\n"
        "        Type: AWS::S3::Bucket\n"
    )
    assert declared_parameters(body) == ("TenantId", "TenantTier")


def test_a_template_without_the_tenant_parameters_is_refused(tmp_path: Path) -> None:
    template = tmp_path / "extra.yaml"
    template.write_text("Parameters:\n  TenantId:\n    Type: String\nResources: {}\n")
    with pytest.raises(ValueError, match="must declare the parameters TenantTier"):
        BaselineTemplate("extra", template)


def test_stack_set_values_are_placeholders_plus_declared_platform_values() -> None:
    iam = BaselineTemplate.shipped("iam-roles").stack_set_parameters(PLATFORM)
    assert iam == {"TenantId": UNASSIGNED, "TenantTier": UNASSIGNED, **PLATFORM}
    logging = BaselineTemplate.shipped("logging").stack_set_parameters(PLATFORM)
    assert logging == {"TenantId": UNASSIGNED, "TenantTier": UNASSIGNED}


@pytest.fixture(scope="module")
def tenant_account() -> Iterator[str]:
    """Every shipped baseline applied as a SELF_MANAGED StackSet instance to a fresh account."""
    with mock_aws(), merged_stack_set_parameters(), warnings.catch_warnings():
        # moto's CloudFormation skips these two types (with a warning); the rest deploys.
        warnings.filterwarnings(
            "ignore", r"Tried to parse AWS::(S3::BucketPolicy|ResourceGroups::Group) ", UserWarning
        )
        organization = create_organization({"tenants": None})
        account_id = organization.client.create_account(AccountName="Acme", Email="aws+acme@example.com")[
            "CreateAccountStatus"
        ]["AccountId"]
        cloudformation = boto3.client("cloudformation", region_name="us-east-1")
        create_stack_sets(
            cloudformation, {name: BaselineTemplate.shipped(name) for name in SHIPPED}, PLATFORM
        )
        for name in SHIPPED:
            operation = cloudformation.create_stack_instances(
                StackSetName=name,
                Accounts=[account_id],
                Regions=["us-east-1"],
                ParameterOverrides=[
                    {"ParameterKey": "TenantId", "ParameterValue": "acme"},
                    {"ParameterKey": "TenantTier", "ParameterValue": "premium"},
                ],
            )["OperationId"]
            status = cloudformation.describe_stack_set_operation(StackSetName=name, OperationId=operation)[
                "StackSetOperation"
            ]["Status"]
            assert status == "SUCCEEDED"
        yield account_id


def test_networking_builds_a_tenant_vpc_with_private_subnets(tenant_account: str) -> None:
    ec2 = tenant_session(tenant_account).client("ec2")
    [vpc] = ec2.describe_vpcs(Filters=[{"Name": "tag:stepwise:tenant", "Values": ["acme"]}])["Vpcs"]
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    assert sorted(subnet["CidrBlock"] for subnet in subnets) == ["10.0.0.0/20", "10.0.16.0/20"]
    assert not any(subnet["MapPublicIpOnLaunch"] for subnet in subnets)
    assert ec2.describe_flow_logs()["FlowLogs"][0]["ResourceId"] == vpc["VpcId"]


def test_iam_roles_trust_the_platform_account(tenant_account: str) -> None:
    iam = tenant_session(tenant_account).client("iam")
    role = iam.get_role(RoleName="stepwise-tenant-readonly")["Role"]
    principal = role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"]
    assert principal == "arn:aws:iam::123456789012:root"
    assert iam.get_role(RoleName="stepwise-tenant-operator")["Role"]["PermissionsBoundary"]


def test_logging_and_tagging_carry_the_tenant_identity(tenant_account: str) -> None:
    session = tenant_session(tenant_account)
    groups = session.client("logs").describe_log_groups(logGroupNamePrefix="/stepwise/tenant/acme/")
    retention = {group["logGroupName"]: group.get("retentionInDays") for group in groups["logGroups"]}
    assert retention["/stepwise/tenant/acme/application"] == 365
    ssm = session.client("ssm")
    assert ssm.get_parameter(Name="/stepwise/tenant/id")["Parameter"]["Value"] == "acme"
    assert ssm.get_parameter(Name="/stepwise/tenant/tier")["Parameter"]["Value"] == "premium"


class _IntrinsicLoader(yaml.SafeLoader):
    """Reads `!Sub x` as `{"Fn::Sub": x}`, `!Ref x` as `{"Ref": x}`: the template as JSON would hold it."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {"Ref": value} if suffix == "Ref" else {f"Fn::{suffix}": value}


_IntrinsicLoader.add_multi_constructor("!", _intrinsic)


def intrinsic_template(name: str) -> dict[str, Any]:
    return dict(yaml.load((BASELINE_DIR / f"{name}.yaml").read_text(), Loader=_IntrinsicLoader))


def test_read_only_role_needs_mfa_or_a_listed_platform_role() -> None:
    role = intrinsic_template("iam-roles")["Resources"]["ReadOnlyRole"]["Properties"]
    platform, listed = role["AssumeRolePolicyDocument"]["Statement"]
    assert platform["Principal"] == {
        "AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${PlatformAccountId}:root"}
    }
    assert platform["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert listed["Fn::If"][0] == "HasReadOnlyPrincipals"
    assert listed["Fn::If"][1]["Principal"] == {"AWS": {"Ref": "ReadOnlyPrincipalArns"}}
    assert listed["Fn::If"][2] == {"Ref": "AWS::NoValue"}


def test_read_only_role_sees_no_tenant_data_unless_configured() -> None:
    role = intrinsic_template("iam-roles")["Resources"]["ReadOnlyRole"]["Properties"]
    condition, with_data, without_data = role["ManagedPolicyArns"]["Fn::If"]
    assert condition == "ReadTenantData"
    assert with_data == [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess"}]
    assert without_data == [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/job-function/ViewOnlyAccess"}]
    _, _, [policy] = role["Policies"]["Fn::If"]
    [deny] = policy["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Resource"] == "*"
    assert {"s3:GetObject", "dynamodb:Query", "logs:GetLogEvents", "secretsmanager:GetSecretValue"} <= set(
        deny["Action"]
    )


def test_boundary_denies_deleting_the_baselines_logging() -> None:
    resources = intrinsic_template("iam-roles")["Resources"]
    statements = {
        statement["Sid"]: statement
        for statement in resources["TenantBoundary"]["Properties"]["PolicyDocument"]["Statement"]
    }
    log_groups = statements["ProtectBaselineLogGroups"]
    assert log_groups["Effect"] == "Deny"
    assert {"logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy"} <= set(
        log_groups["Action"]
    )
    assert log_groups["Resource"]["Fn::Sub"].endswith(":log-group:/stepwise/tenant/*")
    assert statements["ProtectFlowLogs"]["Action"] == "ec2:DeleteFlowLogs"
    archive = statements["ProtectLogArchive"]
    assert {"s3:DeleteBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucket"} <= set(archive["Action"])
    bucket = intrinsic_template("logging")["Resources"]["LogArchiveBucket"]["Properties"]["BucketName"]
    assert bucket == {"Fn::Sub": "stepwise-logs-${AWS::AccountId}-${AWS::Region}"}
    assert archive["Resource"][0] == {
        "Fn::Sub": "arn:${AWS::Partition}:s3:::stepwise-logs-${AWS::AccountId}-*"
    }


@pytest.mark.parametrize("name", SHIPPED)
def test_log_groups_and_buckets_outlive_their_stacks(name: str) -> None:
    for resource in intrinsic_template(name)["Resources"].values():
        if resource["Type"] in ("AWS::Logs::LogGroup", "AWS::S3::Bucket"):
            assert resource["DeletionPolicy"] == "Retain"
            assert resource["UpdateReplacePolicy"] == "Retain"
