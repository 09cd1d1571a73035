"""The environments the tests cover (every one in cdk.json), and a prod with every readiness key set.

Tests parametrized per environment take their names from `environment_names()`, never from a
literal list, so an environment added to cdk.json is synthesized, nag-checked and readiness-checked
by `make test` without touching a test. `STEPWISE_CDK_JSON=FILE` runs the suite against another
cdk.json (e.g. a copy with an added `qa`), to try an environment before adding it.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from stacks import application
from stacks.application import project_context
from stacks.config import load_environment

CDK_JSON_VARIABLE = "STEPWISE_CDK_JSON"

ACCOUNT = "111111111111"
REGION = "eu-west-1"

# Every key the readiness rules ask for, set to a plausible value (paths under `environments.<env>`).
COMPLETE_SETTINGS: dict[str, Any] = {
    "account": ACCOUNT,
    "region": REGION,
    "alarmEmail": "oncall@example.com",
    "agent": {
        "tools": ["search_knowledge_base", "lookup_order", "calculator"],
        "approverEmail": "answers@example.com",
        "approverPrincipals": [f"arn:aws:iam::{ACCOUNT}:role/agent-reviewers"],
    },
    "orders": {
        "approverEmail": "approvals@example.com",
        "approverPrincipals": [f"arn:aws:iam::{ACCOUNT}:role/order-reviewers"],
        "operatorPrincipals": [f"arn:aws:iam::{ACCOUNT}:role/order-operators"],
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
    "agent.approverEmail",
    "agent.approverPrincipals",
    "cv.labeling.workteamArn",
    "orders.approverEmail",
    "orders.approverPrincipals",
    "orders.operatorPrincipals",
    "tenants.organizationId",
    "tenants.allowedOuIds",
    "tenants.allowedEmailDomains",
    "tenants.quarantineOuId",
    "tenants.suspendedOuId",
]


def use_cdk_json_from_environment() -> None:
    """Read the project context from the file `STEPWISE_CDK_JSON` names, if set (test processes only)."""
    path = os.environ.get(CDK_JSON_VARIABLE)
    if path:
        application.CDK_JSON = Path(path).resolve()


def environment_names(workflow: str | None = None) -> tuple[str, ...]:
    """Every environment in cdk.json's `context.environments`, in its order (those that deploy
    `workflow`, when given)."""
    environments = project_context()["environments"]
    return tuple(
        name
        for name in environments
        if workflow is None or workflow in load_environment(environments, name).workflows
    )


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
