"""Local (moto) set-up for tenant provisioning: the organization and StackSets the stack expects.

Used by the tests and by `scripts.tenants.bench`; never by anything that talks to AWS. It closes
these gaps between moto and AWS that localrun does not cover yet:
- the organization: moto starts without one, and its OU ids are random while the stack's config
  names fixed ones (quarantine, suspended), so the OUs created here can take given ids;
- `AWS::CloudFormation::StackSet` is not provisioned by localrun: `create_stack_sets_from_template`
  creates the template's StackSets;
- moto's CreateStackInstances uses only the ParameterOverrides when some are given; AWS merges
  them over the StackSet's own parameter values. `merged_stack_set_parameters` restores that.
- moto creates accounts synchronously; `activation_latency` restores the IN_PROGRESS phase.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from moto.cloudformation.models import StackSet
from moto.core import DEFAULT_ACCOUNT_ID
from moto.organizations.models import OrganizationsBackend, organizations_backends

from stacks.tenants.baseline import BaselineTemplate

ACCESS_ROLE = "OrganizationAccountAccessRole"


@dataclass
class Organization:
    """The management account's organization: root, OUs by name, and clients to inspect it."""

    root_id: str
    ous: dict[str, str]
    client: Any = field(repr=False)

    def parent_of(self, account_id: str) -> str:
        return str(self.client.list_parents(ChildId=account_id)["Parents"][0]["Id"])

    def accounts(self) -> list[dict[str, Any]]:
        return list(self.client.list_accounts()["Accounts"])

    def account_named(self, name: str) -> list[dict[str, Any]]:
        return [account for account in self.accounts() if account["Name"] == name]


def create_organization(ous: Mapping[str, str | None], region: str = "us-east-1") -> Organization:
    """Create the organization and one OU per name; a given id replaces moto's random one."""
    client = boto3.client("organizations", region_name=region)
    client.create_organization(FeatureSet="ALL")
    root_id = client.list_roots()["Roots"][0]["Id"]
    backend = organizations_backends[DEFAULT_ACCOUNT_ID]["aws"]
    created: dict[str, str] = {}
    for name, wanted in ous.items():
        ou_id = client.create_organizational_unit(ParentId=root_id, Name=name)["OrganizationalUnit"]["Id"]
        if wanted:
            backend.get_organizational_unit_by_id(ou_id).id = wanted
            ou_id = wanted
        created[name] = ou_id
    return Organization(root_id=root_id, ous=created, client=client)


@contextlib.contextmanager
def merged_stack_set_parameters() -> Iterator[None]:
    """Make moto merge ParameterOverrides over the StackSet's parameters, as CloudFormation does."""
    original = StackSet.create_stack_instances

    def create_stack_instances(
        self: StackSet,
        accounts: list[str],
        regions: list[str],
        deployment_targets: dict[str, Any] | None,
        parameters: list[dict[str, Any]],
    ) -> str:
        values = dict(self.parameters or {})
        values.update({item["ParameterKey"]: item["ParameterValue"] for item in parameters or []})
        merged = [{"ParameterKey": key, "ParameterValue": value} for key, value in values.items()]
        return original(self, accounts, regions, deployment_targets, merged)

    setattr(StackSet, "create_stack_instances", create_stack_instances)  # noqa: B010
    try:
        yield
    finally:
        setattr(StackSet, "create_stack_instances", original)  # noqa: B010


@contextlib.contextmanager
def activation_latency(polls: int) -> Iterator[None]:
    """Accounts report IN_PROGRESS for their first `polls` status reads, as real ones do for minutes.

    moto creates accounts synchronously (SUCCEEDED at once); this restores the asynchronous shape.
    """
    original = OrganizationsBackend.describe_create_account_status
    reads: dict[str, int] = {}

    def describe_create_account_status(self: OrganizationsBackend, **kwargs: Any) -> dict[str, Any]:
        status = original(self, **kwargs)
        request_id = kwargs["CreateAccountRequestId"]
        reads[request_id] = reads.get(request_id, 0) + 1
        if reads[request_id] > polls:
            return status
        pending = dict(status["CreateAccountStatus"], State="IN_PROGRESS")
        pending.pop("AccountId", None)
        pending.pop("CompletedTimestamp", None)
        return {"CreateAccountStatus": pending}

    setattr(OrganizationsBackend, "describe_create_account_status", describe_create_account_status)  # noqa: B010
    try:
        yield
    finally:
        setattr(OrganizationsBackend, "describe_create_account_status", original)  # noqa: B010


def create_stack_sets_from_template(
    cloudformation: Any, template: Mapping[str, Any], account_id: str = DEFAULT_ACCOUNT_ID
) -> dict[str, str]:
    """Create the template's AWS::CloudFormation::StackSet resources; return name by logical id."""
    names: dict[str, str] = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::CloudFormation::StackSet":
            continue
        properties = resource["Properties"]
        parameters = [
            {
                "ParameterKey": item["ParameterKey"],
                "ParameterValue": _pseudo(item["ParameterValue"], account_id),
            }
            for item in properties.get("Parameters", [])
        ]
        cloudformation.create_stack_set(
            StackSetName=properties["StackSetName"],
            TemplateBody=properties["TemplateBody"],
            Parameters=parameters,
            PermissionModel=properties["PermissionModel"],
            ExecutionRoleName=properties["ExecutionRoleName"],
            Capabilities=properties.get("Capabilities", []),
        )
        names[logical_id] = properties["StackSetName"]
    return names


def create_stack_sets(
    cloudformation: Any,
    templates: Mapping[str, BaselineTemplate],
    platform: Mapping[str, str],
) -> None:
    """Create SELF_MANAGED StackSets named after `templates`' keys (script tests)."""
    for name, template in templates.items():
        cloudformation.create_stack_set(
            StackSetName=name,
            TemplateBody=template.body,
            Parameters=[
                {"ParameterKey": key, "ParameterValue": value}
                for key, value in template.stack_set_parameters(platform).items()
            ],
            PermissionModel="SELF_MANAGED",
            ExecutionRoleName=ACCESS_ROLE,
            Capabilities=["CAPABILITY_NAMED_IAM"],
        )


def tenant_session(account_id: str, region: str = "us-east-1") -> boto3.session.Session:
    """A session inside a tenant account, reached the way the platform does: the access role."""
    credentials = boto3.client("sts", region_name=region).assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{ACCESS_ROLE}", RoleSessionName="tests"
    )["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )


def _pseudo(value: Any, account_id: str) -> str:
    if isinstance(value, Mapping) and value.get("Ref") == "AWS::AccountId":
        return account_id
    if not isinstance(value, str):
        raise ValueError(f"unsupported StackSet parameter value {value!r}")
    return value
