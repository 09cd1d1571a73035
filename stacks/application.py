"""Composition root: which workflow stacks an environment gets, built from validated config."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App, Stack

from stacks.common.nag import enable_nag
from stacks.config import DEFAULT_ENVIRONMENT, EnvironmentConfig, load_environment
from stacks.cv.stack import CvSafetyStack
from stacks.orders.stack import OrdersStack
from stacks.rag.stack import RagIngestionStack
from stacks.tenants.stack import TenantProvisioningStack

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CDK_JSON = PROJECT_ROOT / "cdk.json"

StackFactory = Callable[[App, EnvironmentConfig], Stack]

# One entry per workflow: the key used by `localrun` and tests -> its stack class `(scope, config)`.
WORKFLOW_STACKS: dict[str, StackFactory] = {
    "cv": CvSafetyStack,
    "orders": OrdersStack,
    "rag": RagIngestionStack,
    "tenants": TenantProvisioningStack,
}


def project_context() -> dict[str, Any]:
    """The `context` block of cdk.json, for apps created outside the CDK CLI (tests, localrun)."""
    return dict(json.loads(CDK_JSON.read_text())["context"])


def environment_name(app: App) -> str:
    value = app.node.try_get_context("env")
    return str(value) if value else DEFAULT_ENVIRONMENT


def compose(app: App, config: EnvironmentConfig) -> dict[str, Stack]:
    """Instantiate every workflow stack of the environment and enable cdk-nag on the app."""
    stacks = {key: factory(app, config) for key, factory in WORKFLOW_STACKS.items()}
    enable_nag(app)
    return stacks


def build(app: App, env_name: str | None = None) -> tuple[EnvironmentConfig, dict[str, Stack]]:
    environments: Mapping[str, Any] | None = app.node.try_get_context("environments")
    if environments is None:
        environments = project_context()["environments"]
    config = load_environment(environments, env_name or environment_name(app))
    return config, compose(app, config)
