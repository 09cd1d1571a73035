"""Local (moto) set-up for tenant provisioning: the organization the stack expects.

Used by the tests, the samples (`setup` hook) and `bench.tenants`; never by anything that
talks to AWS. It closes these gaps between moto and AWS:
- the organization: moto starts without one, and its OU ids are random while the stack's config
  names fixed ones (quarantine, suspended), so the OUs created here can take given ids;
  `sample_organization` is the samples' `setup` hook (examples/tenants/*.json);
- moto creates accounts synchronously; `activation_latency` restores the IN_PROGRESS phase (through
  localrun's Organizations emulation, `localrun/emulation/organizations.py`, the one place that
  patches Organizations' behaviour: e-mail uniqueness and MoveAccount duplicates live there too).
localrun itself now provisions the template's `AWS::CloudFormation::StackSet` resources and makes
moto's CreateStackInstances merge ParameterOverrides over the StackSet's parameters, as
CloudFormation does; `create_stack_sets_from_template` and `merged_stack_set_parameters` remain
for callers written before that and do nothing localrun has already done.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.organizations.models import OrganizationsBackend, organizations_backends

from localrun.emulation.organizations import creation_latency
from stacks.tenants.baseline import BaselineTemplate
from stacks.tenants.settings import TenantSettings

if TYPE_CHECKING:
    from localrun import LocalRunner
    from localrun.samples import Sample

ACCESS_ROLE = TenantSettings().account_access_role_name
ORGANIZATION_ID = TenantSettings().organization_id
OU_ID = r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}"


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


def ensure_organization(ous: Mapping[str, str | None], region: str = "us-east-1") -> Organization:
    """The organization with these OUs: created if missing, missing OUs added (idempotent)."""
    client = boto3.client("organizations", region_name=region)
    try:
        client.describe_organization()
    except ClientError as error:
        if error.response["Error"]["Code"] != "AWSOrganizationsNotInUseException":
            raise
        return create_organization(ous, region)
    root_id = client.list_roots()["Roots"][0]["Id"]
    backend = organizations_backends[DEFAULT_ACCOUNT_ID]["aws"]
    existing = {ou.id for ou in backend.ou}
    missing = {name: wanted for name, wanted in ous.items() if not wanted or wanted not in existing}
    added = _create_ous(client, backend, root_id, missing)
    return Organization(
        root_id=root_id, ous={name: added.get(name) or str(ous[name]) for name in ous}, client=client
    )


def create_organization(
    ous: Mapping[str, str | None], region: str = "us-east-1", organization_id: str = ORGANIZATION_ID
) -> Organization:
    """Create the organization and one OU per name; a given id replaces moto's random one, and the
    organization has the configured id, so ARNs (`account/o-.../...`) match the stack's policies."""
    client = boto3.client("organizations", region_name=region)
    client.create_organization(FeatureSet="ALL")
    root_id = client.list_roots()["Roots"][0]["Id"]
    backend = organizations_backends[DEFAULT_ACCOUNT_ID]["aws"]
    _pin_organization_id(backend, organization_id)
    return Organization(root_id=root_id, ous=_create_ous(client, backend, root_id, ous), client=client)


def _pin_organization_id(backend: OrganizationsBackend, organization_id: str) -> None:
    """moto draws a random organization id; every entity created so far records it too."""
    backend.org.id = organization_id
    for entity in (*backend.ou, *backend.accounts, *backend.policies):
        if hasattr(entity, "organization_id"):
            entity.organization_id = organization_id


def _create_ous(
    client: Any, backend: OrganizationsBackend, root_id: str, ous: Mapping[str, str | None]
) -> dict[str, str]:
    created: dict[str, str] = {}
    for name, wanted in ous.items():
        ou_id = client.create_organizational_unit(ParentId=root_id, Name=name)["OrganizationalUnit"]["Id"]
        if wanted:
            backend.get_organizational_unit_by_id(ou_id).id = wanted
            ou_id = wanted
        created[name] = ou_id
    return created


def sample_organization(runner: LocalRunner, sample: Sample) -> None:
    """Samples' `setup` hook: the organization a tenant request needs, with the OUs the stack uses.

    The tenant's OU is the sample's `organizationalUnitId`; the quarantine and suspended OUs are
    the stack's `QuarantineOuId`/`SuspendedOuId` outputs (the environment's tenants config).
    Existing OUs are kept, so the hook can run against a runner that already has an organization.
    """
    outputs = runner.stack.template.get("Outputs", {})
    ous: dict[str, str | None] = {}
    requested = sample.input.get("organizationalUnitId") if isinstance(sample.input, dict) else None
    if isinstance(requested, str) and re.fullmatch(OU_ID, requested):
        ous["tenants"] = requested
    for name, output in (("quarantine", "QuarantineOuId"), ("suspended", "SuspendedOuId")):
        value = outputs.get(output, {}).get("Value")
        if isinstance(value, str):
            ous[name] = value
    ensure_organization(ous, region=runner.region)


@contextlib.contextmanager
def merged_stack_set_parameters() -> Iterator[None]:
    """Kept for existing callers: localrun's engine now merges ParameterOverrides over the
    StackSet's parameters (localrun/engine/fixes/stack_instance_parameters.py); this only makes sure
    it is installed."""
    from localrun import engine

    engine.install()
    yield


def activation_latency(polls: int) -> contextlib.AbstractContextManager[None]:
    """Accounts requested inside the block report IN_PROGRESS for their first `polls` status reads,
    as real ones do for minutes (moto creates them synchronously)."""
    return creation_latency(polls)


def create_stack_sets_from_template(
    cloudformation: Any, template: Mapping[str, Any], account_id: str = DEFAULT_ACCOUNT_ID
) -> dict[str, str]:
    """The template's AWS::CloudFormation::StackSet resources by logical id (their names); any that
    does not exist yet (localrun provisions them) is created."""
    names: dict[str, str] = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::CloudFormation::StackSet":
            continue
        properties = resource["Properties"]
        names[logical_id] = properties["StackSetName"]
        if _stack_set_exists(cloudformation, properties["StackSetName"]):
            continue
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
    return names


def _stack_set_exists(cloudformation: Any, name: str) -> bool:
    try:
        status = cloudformation.describe_stack_set(StackSetName=name)["StackSet"]["Status"]
    except ClientError:
        return False
    return bool(status != "DELETED")


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
