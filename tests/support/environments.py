"""Environments for readiness tests: the shipped ones, and a prod with every readiness key set."""

from __future__ import annotations

import copy
from typing import Any

from stacks.application import project_context

ACCOUNT = "111111111111"
REGION = "eu-west-1"

# Every key the readiness rules ask for, set to a plausible value (paths under `environments.<env>`).
COMPLETE_SETTINGS: dict[str, Any] = {
    "account": ACCOUNT,
    "region": REGION,
    "alarmEmail": "oncall@example.com",
    "orders": {
        "approverEmail": "approvals@example.com",
        "approverPrincipals": [f"arn:aws:iam::{ACCOUNT}:role/order-reviewers"],
    },
    "cv": {
        "labeling": {
            "workteamArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:workteam/private-crowd/stepwise-cv-safety"
        }
    },
    "tenants": {
        "organizationId": "o-a1b2c3d4e5",
        "allowedOuIds": ["ou-ab12-11111111"],
        "allowedEmailDomains": ["example.com"],
        "quarantineOuId": "ou-ab12-22222222",
        "suspendedOuId": "ou-ab12-33333333",
    },
}

# What the shipped prod (and staging) still lacks: every key the refusal must name.
SHIPPED_PROD_PROBLEMS = [
    "account",
    "region",
    "alarmEmail",
    "cv.labeling.workteamArn",
    "orders.approverEmail",
    "orders.approverPrincipals",
    "tenants.organizationId",
    "tenants.allowedOuIds",
    "tenants.allowedEmailDomains",
    "tenants.quarantineOuId",
    "tenants.suspendedOuId",
]


def shipped_environments() -> dict[str, Any]:
    """A fresh copy of cdk.json's `context.environments`."""
    return copy.deepcopy(project_context()["environments"])


def with_environment(env_name: str, **overrides: Any) -> dict[str, Any]:
    """The shipped environments with top-level keys of one environment replaced."""
    environments = shipped_environments()
    environments[env_name] = {**environments[env_name], **overrides}
    return environments


def complete_environments(env_name: str = "prod") -> dict[str, Any]:
    """The shipped environments with `env_name` given every readiness key."""
    return with_environment(env_name, **copy.deepcopy(COMPLETE_SETTINGS))
