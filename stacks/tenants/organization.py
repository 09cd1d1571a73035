"""Where tenant permissions reach in AWS Organizations: ARNs in the configured organization and the
tag conditions that limit them to the accounts the workflow created."""

from __future__ import annotations

from aws_cdk import Aws

from stacks.common.contracts import handler_contract
from stacks.tenants.settings import TenantSettings

TENANT_TAG: str = handler_contract("tenants").TENANT_TAG
# An account the workflow created: CreateAccount always tags it with the tenant id.
TENANT_ACCOUNT_CONDITION = {"Null": {f"aws:ResourceTag/{TENANT_TAG}": "false"}}
# Tags written only with the tenant tag among them (CreateAccount's Tags need TagResource).
TENANT_TAG_REQUESTED = {"Null": {f"aws:RequestTag/{TENANT_TAG}": "false"}}


def organizations_arns(settings: TenantSettings, kind: str) -> list[str]:
    """Organizations ARNs in the configured organization: `account` (any member account: the id is
    known at run time), `ou` (the tenant OUs and quarantine), `root` (the organization's only root)."""
    base = f"arn:{Aws.PARTITION}:organizations::{Aws.ACCOUNT_ID}"
    organization = settings.organization_id
    if kind == "account":
        return [f"{base}:account/{organization}/*"]
    if kind == "ou":
        return [f"{base}:ou/{organization}/{ou}" for ou in settings.tenant_ou_ids]
    if kind == "root":
        return [f"{base}:root/{organization}/r-*"]
    raise ValueError(f"unknown Organizations resource kind {kind!r}")
