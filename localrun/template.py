"""Synthesize a stack in-process and describe its template: resources, functions, state machines."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_cdk import App, Stack

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LAMBDAS_ROOT = PROJECT_ROOT / "lambdas"
SOURCE_METADATA_KEY = "Stepwise:Source"


@dataclass(frozen=True)
class StackTemplate:
    """One synthesized stack: its CloudFormation template and where each resource came from."""

    stack_name: str
    template: Mapping[str, Any]
    region: str | None = None
    account: str | None = None
    construct_paths: Mapping[str, str] = field(default_factory=dict)
    # The stacks this one depends on (CDK's cross-stack references become their exports and its
    # `Fn::ImportValue`s): localrun provisions them first, in the same moto world.
    exporters: tuple[StackTemplate, ...] = ()

    @property
    def resources(self) -> Mapping[str, Mapping[str, Any]]:
        return self.template.get("Resources", {})

    def of_type(self, *types: str) -> dict[str, Mapping[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.resources.items()
            if resource.get("Type") in types
        }

    def dependencies(self) -> list[StackTemplate]:
        """Every stack this one depends on, directly or not, each after its own (once by name)."""
        ordered: dict[str, StackTemplate] = {}

        def visit(template: StackTemplate) -> None:
            for exporter in template.exporters:
                if exporter.stack_name not in ordered:
                    visit(exporter)
                    ordered.setdefault(exporter.stack_name, exporter)

        visit(self)
        return list(ordered.values())

    def construct_path(self, logical_id: str) -> str:
        """The construct path relative to the stack (e.g. `Charge/Function/Resource`), or the id."""
        return self.construct_paths.get(logical_id, logical_id)

    @classmethod
    def from_file(cls, path: Path, stack_name: str | None = None) -> StackTemplate:
        """A template read from `cdk.out` (no construct paths beyond `aws:cdk:path` metadata)."""
        template = json.loads(path.read_text())
        name = stack_name or path.name.removesuffix(".template.json")
        paths = {
            logical_id: str(resource.get("Metadata", {}).get("aws:cdk:path", logical_id)).removeprefix(
                f"{name}/"
            )
            for logical_id, resource in template.get("Resources", {}).items()
        }
        return cls(stack_name=name, template=template, construct_paths=paths)


def prepare_cdk_environment() -> None:
    """Skip CDK's slow CloudFormation validation and Node banners; call before importing aws_cdk."""
    os.environ.setdefault("CDK_VALIDATION", "false")
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def synthesize(stack: Stack) -> StackTemplate:
    """Synthesize `stack` in-process and return its template with construct paths, and the stacks
    it depends on (e.g. for the exports it imports), each synthesized the same way."""
    from aws_cdk import CfnResource, Token
    from aws_cdk.assertions import Template

    template = Template.from_stack(stack).to_json()
    paths: dict[str, str] = {}
    for construct in stack.node.find_all():
        if isinstance(construct, CfnResource) and construct.stack is stack:
            logical_id = stack.resolve(construct.logical_id)
            relative = construct.node.path.removeprefix(stack.node.path).lstrip("/")
            paths[str(logical_id)] = relative
    region = None if Token.is_unresolved(stack.region) else stack.region
    account = None if Token.is_unresolved(stack.account) else stack.account
    return StackTemplate(
        stack_name=stack.stack_name,
        template=template,
        region=region,
        account=account,
        construct_paths=paths,
        exporters=tuple(synthesize(dependency) for dependency in stack.dependencies),
    )


def local_app(environments_file: Path | None = None) -> App:
    """An App like `cdk synth` builds from cdk.json, but without asset bundling; with
    `environments_file`, it reads the environments from that file (as `-c environmentsFile=...`)."""
    prepare_cdk_environment()
    from aws_cdk import App, DefaultStackSynthesizer

    from stacks.application import ENVIRONMENTS_FILE_CONTEXT, project_context

    extra = {ENVIRONMENTS_FILE_CONTEXT: str(environments_file)} if environments_file else {}
    return App(
        context={**project_context(), **extra, "aws:cdk:bundling-stacks": []},
        default_stack_synthesizer=DefaultStackSynthesizer(generate_bootstrap_version_rule=False),
        analytics_reporting=False,
    )


def workflow_keys() -> list[str]:
    """The workflow keys registered in `stacks.application.WORKFLOW_STACKS`."""
    prepare_cdk_environment()
    from stacks.application import WORKFLOW_STACKS

    return sorted(WORKFLOW_STACKS)


def workflow_stack(workflow: str, env_name: str = "dev", environments_file: Path | None = None) -> Stack:
    """Build the app for `env_name` (of `environments_file` when given, else of cdk.json) and return
    the stack registered under `workflow`."""
    prepare_cdk_environment()
    from stacks.application import WORKFLOW_STACKS, build

    if workflow not in WORKFLOW_STACKS:
        known = ", ".join(sorted(WORKFLOW_STACKS)) or "none registered yet"
        raise KeyError(f"unknown workflow {workflow!r} (known: {known})")
    config, stacks = build(local_app(environments_file), env_name)
    if workflow not in stacks:
        raise KeyError(
            f"workflow {workflow!r} is not deployed by environment {env_name!r} "
            f"(its workflows: {', '.join(config.workflows)})"
        )
    return stacks[workflow]
