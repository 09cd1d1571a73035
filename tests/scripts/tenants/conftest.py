"""An organization with provisioned tenants, as the retirement scripts find it after the workflow ran."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from scripts.tenants.deployment import Deployment
from scripts.tenants.local import (
    Organization,
    create_organization,
    create_stack_sets,
    merged_stack_set_parameters,
)
from scripts.tenants.retirement import STATUS_INDEX, Retirer
from stacks.tenants.baseline import BaselineTemplate

ENV = "test"
TABLE = "tenants-registry"
QUARANTINE = "ou-stpw-quarantine"
SUSPENDED = "ou-stpw-suspended"
# Two real baselines whose stacks moto can also delete (it deletes a VPC before its subnets).
STACK_SETS = {f"Stepwise-{ENV}-Tenants-{name}": name for name in ("logging", "tagging")}
PLATFORM = {"PlatformAccountId": "123456789012", "AccountAccessRoleName": "StepwiseTenantAccess"}


@dataclass
class Plane:
    """The management account as the scripts see it, plus helpers to set tenants up."""

    organization: Organization
    dynamodb: Any
    cloudformation: Any
    deployment: Deployment

    def retirer(self) -> Retirer:
        return Retirer(
            self.deployment,
            session=boto3.session.Session(region_name="us-east-1"),
            poll_seconds=0,
            max_polls=3,
        )

    def provision(self, tenant_id: str, status: str = "ACTIVE", **attributes: Any) -> str:
        """Create the account, move it to the tenant OU, apply the baseline, register it."""
        client = self.organization.client
        account_id = client.create_account(AccountName=tenant_id, Email=f"aws+{tenant_id}@example.com")[
            "CreateAccountStatus"
        ]["AccountId"]
        client.move_account(
            AccountId=account_id,
            SourceParentId=self.organization.root_id,
            DestinationParentId=self.organization.ous["tenants"],
        )
        for name in STACK_SETS:
            self.cloudformation.create_stack_instances(
                StackSetName=name,
                Accounts=[account_id],
                Regions=["us-east-1"],
                ParameterOverrides=[
                    {"ParameterKey": "TenantId", "ParameterValue": tenant_id},
                    {"ParameterKey": "TenantTier", "ParameterValue": "standard"},
                ],
            )
        self.register(
            tenant_id, status, accountId={"S": account_id}, baseline={"SS": list(STACK_SETS)}, **attributes
        )
        return account_id

    def register(self, tenant_id: str, status: str, **attributes: Any) -> None:
        self.dynamodb.put_item(
            TableName=TABLE,
            Item={"tenantId": {"S": tenant_id}, "status": {"S": status}, **attributes},
        )

    def record(self, tenant_id: str) -> dict[str, Any]:
        return self.dynamodb.get_item(TableName=TABLE, Key={"tenantId": {"S": tenant_id}})["Item"]

    def instances(self, account_id: str) -> list[str]:
        return [
            name
            for name in STACK_SETS
            for summary in self.cloudformation.list_stack_instances(StackSetName=name)["Summaries"]
            if summary["Account"] == account_id
        ]

    def account_status(self, account_id: str) -> str:
        return self.organization.client.describe_account(AccountId=account_id)["Account"]["Status"]


def _outputs_stack(cloudformation: Any) -> None:
    """The deployed tenants stack's outputs, as the CDK stack declares them."""
    outputs = {
        "RegistryTableName": TABLE,
        "BaselineStackSets": ",".join(STACK_SETS),
        "QuarantineOuId": QUARANTINE,
        "SuspendedOuId": SUSPENDED,
        "BaselineRegions": "us-east-1",
        "TierDefaults": json.dumps(
            {
                "premium": {
                    "maxUsers": 500,
                    "monthlyBudgetUsd": 5000,
                    "supportLevel": "business",
                    "dataRetentionDays": 365,
                }
            }
        ),
    }
    cloudformation.create_stack(
        StackName=f"Stepwise-{ENV}-Tenants",
        TemplateBody=json.dumps(
            {
                "Resources": {
                    "Marker": {
                        "Type": "AWS::SSM::Parameter",
                        "Properties": {"Name": "/stepwise/test/tenants", "Type": "String", "Value": "x"},
                    }
                },
                "Outputs": {key: {"Value": value} for key, value in outputs.items()},
            }
        ),
    )


@pytest.fixture(scope="module")
def _plane() -> Iterator[Plane]:
    with mock_aws(), merged_stack_set_parameters():
        organization = create_organization(
            {"tenants": None, "quarantine": QUARANTINE, "suspended": SUSPENDED}
        )
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "tenantId", "KeyType": "HASH"}],
            AttributeDefinitions=[
                {"AttributeName": "tenantId", "AttributeType": "S"},
                {"AttributeName": "status", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": STATUS_INDEX,
                    "KeySchema": [
                        {"AttributeName": "status", "KeyType": "HASH"},
                        {"AttributeName": "tenantId", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        cloudformation = boto3.client("cloudformation", region_name="us-east-1")
        create_stack_sets(
            cloudformation,
            {name: BaselineTemplate.shipped(template) for name, template in STACK_SETS.items()},
            PLATFORM,
        )
        _outputs_stack(cloudformation)
        deployment = Deployment.from_stack(ENV, cloudformation)
        yield Plane(organization, dynamodb, cloudformation, deployment)


@pytest.fixture
def plane(_plane: Plane, monkeypatch: pytest.MonkeyPatch) -> Plane:
    """The module's organization, with an empty registry and the scripts' region set."""
    # moto's CloudFormation skips these two baseline types (with a warning); the rest deploys.
    warnings.filterwarnings(
        "ignore", r"Tried to parse AWS::(S3::BucketPolicy|ResourceGroups::Group) ", UserWarning
    )
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for item in _plane.dynamodb.scan(TableName=TABLE)["Items"]:
        _plane.dynamodb.delete_item(TableName=TABLE, Key={"tenantId": item["tenantId"]})
    return _plane
