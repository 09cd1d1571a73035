"""Synthesize apps once per test session: no bundling, no bootstrap rule, nag enabled."""

from __future__ import annotations

import functools
import re
from typing import Any

from aws_cdk import App, DefaultStackSynthesizer, Stack
from aws_cdk.assertions import Template

from stacks.application import build, project_context

ASSET_HASH = re.compile(r"[0-9a-f]{64}")


def fresh_app(**context: Any) -> App:
    return App(
        context={**project_context(), "aws:cdk:bundling-stacks": [], **context},
        default_stack_synthesizer=DefaultStackSynthesizer(generate_bootstrap_version_rule=False),
        analytics_reporting=False,
    )


@functools.cache
def app_stacks(env_name: str) -> dict[str, Stack]:
    _, stacks = build(fresh_app(), env_name)
    return stacks


@functools.cache
def template_of(env_name: str, workflow: str) -> dict[str, Any]:
    return Template.from_stack(app_stacks(env_name)[workflow]).to_json()


def normalized(template: dict[str, Any]) -> dict[str, Any]:
    """The template with asset hashes replaced, so snapshots do not depend on file bytes."""
    import json

    return json.loads(ASSET_HASH.sub("<asset-hash>", json.dumps(template)))


PLACEHOLDER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:placeholder"


def definitions_of(template: dict[str, Any], region: str | None = None) -> dict[str, dict[str, Any]]:
    """Each state machine's ASL, with CloudFormation tokens resolved to realistic literals.

    A Lambda `Fn::GetAtt` becomes a function ARN, a table `Ref` a table name, and so on
    (see `tests.support.cfn_tokens`), so validators and rules see what CloudFormation would deploy.
    """
    from tests.support.cfn_tokens import definition_of

    return {
        logical_id: definition_of(resource, template, region=region)
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::StepFunctions::StateMachine"
    }


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """The template's resources of one CloudFormation type, by logical id."""
    return {key: value for key, value in template["Resources"].items() if value["Type"] == kind}
