"""Find IAM policy statements that allow actions on `Resource: "*"` (or use NotAction/NotResource)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

# Policy documents held by identity policies: `<type>: property` (Roles/Users/Groups hold a list).
IDENTITY_POLICY_DOCUMENTS = {
    "AWS::IAM::Policy": "PolicyDocument",
    "AWS::IAM::ManagedPolicy": "PolicyDocument",
}
INLINE_POLICY_HOLDERS = ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group")
# Resource-based policies whose `Resource` names real ARNs, so `*` there is a real wildcard.
# Not listed on purpose: AWS::KMS::Key KeyPolicy (in a key policy, `Resource: "*"` means "this key")
# and trust policies (AssumeRolePolicyDocument has no Resource).
RESOURCE_POLICY_DOCUMENTS = {
    "AWS::S3::BucketPolicy": "PolicyDocument",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::Events::EventBusPolicy": "Statement",
}


@dataclass(frozen=True)
class WildcardStatement:
    """An Allow statement granting actions on every resource."""

    policy: str
    index: int
    actions: tuple[str, ...]
    why: str
    condition_keys: frozenset[str] = frozenset()

    def __str__(self) -> str:
        return f"{self.policy}[{self.index}] ({self.why}): {', '.join(self.actions)}"


def policy_documents(template: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """`(name, document)` for every identity and resource-based policy document in the template."""
    for logical_id, resource in template.get("Resources", {}).items():
        resource_type = resource.get("Type")
        properties = resource.get("Properties", {})
        if resource_type in IDENTITY_POLICY_DOCUMENTS or resource_type in RESOURCE_POLICY_DOCUMENTS:
            key = IDENTITY_POLICY_DOCUMENTS.get(resource_type) or RESOURCE_POLICY_DOCUMENTS[resource_type]
            document = properties.get(key)
            if isinstance(document, Mapping) and "Effect" in document:
                document = {"Statement": [document]}
            if document:
                yield logical_id, document
        elif resource_type in INLINE_POLICY_HOLDERS:
            for policy in properties.get("Policies", []):
                yield f"{logical_id}/{policy.get('PolicyName', '?')}", policy["PolicyDocument"]


def attached_managed_policies(template: Mapping[str, Any]) -> list[WildcardStatement]:
    """Managed policies attached by ARN (e.g. AWS managed ones): their statements are invisible here,
    so each counts as unreviewable. Policies defined in the template itself are reviewed above."""
    resources = template.get("Resources", {})
    found = []
    for logical_id, resource in resources.items():
        if resource.get("Type") not in INLINE_POLICY_HOLDERS:
            continue
        for index, arn in enumerate(resource.get("Properties", {}).get("ManagedPolicyArns", [])):
            local = isinstance(arn, Mapping) and resources.get(arn.get("Ref"), {}).get("Type") == (
                "AWS::IAM::ManagedPolicy"
            )
            if not local:
                found.append(
                    WildcardStatement(
                        logical_id, index, (f"managed policy {json.dumps(arn)}",), "ManagedPolicyArns"
                    )
                )
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def wildcard_statements(template: Mapping[str, Any]) -> list[WildcardStatement]:
    """Every Allow statement with `Resource: "*"`, `NotResource` or `NotAction` in the template, and
    every managed policy attached by ARN (whose statements cannot be reviewed from the template)."""
    found = []
    for name, document in policy_documents(template):
        for index, statement in enumerate(_as_list(document.get("Statement", []))):
            if statement.get("Effect") != "Allow":
                continue
            keys = frozenset(key.lower() for test in statement.get("Condition", {}).values() for key in test)
            if "NotAction" in statement:
                actions = tuple(f"NOT {action}" for action in _as_list(statement["NotAction"]))
                found.append(WildcardStatement(name, index, actions, "NotAction", keys))
            elif "NotResource" in statement:
                actions = tuple(_as_list(statement["Action"]))
                found.append(WildcardStatement(name, index, actions, "NotResource", keys))
            elif "*" in _as_list(statement.get("Resource", [])):
                actions = tuple(_as_list(statement["Action"]))
                found.append(WildcardStatement(name, index, actions, 'Resource "*"', keys))
    return found + attached_managed_policies(template)


def disallowed(
    statement: WildcardStatement,
    allowed_actions: Mapping[str, str],
    required_conditions: Mapping[str, str] | None = None,
) -> list[str]:
    """The statement's actions not in the reviewed allow-list (NotAction/NotResource: all of them),
    or allow-listed but missing the condition key `required_conditions` demands for them."""
    if statement.why != 'Resource "*"':
        return list(statement.actions)
    problems = []
    for action in statement.actions:
        required = (required_conditions or {}).get(action)
        if action not in allowed_actions:
            problems.append(action)
        elif required and required.lower() not in statement.condition_keys:
            problems.append(f"{action} (without condition {required})")
    return problems


@functools.cache
def _service_authorization_reference() -> dict[str, Any]:
    """cfn-lint's copy of the IAM Service Authorization Reference: actions and their resource types."""
    data = resources.files("cfnlint.data.AdditionalSpecs").joinpath("Policies.json").read_text()
    return dict(json.loads(data))


def resource_types(action: str) -> list[str] | None:
    """The resource types `action` can be scoped to ([] if none), or None for an unknown action."""
    service, _, name = action.partition(":")
    actions = _service_authorization_reference().get(service.lower(), {}).get("Actions", {})
    entry = actions.get(name.lower())
    return None if entry is None else list(entry.get("Resources", []))


def explain(action: str) -> str:
    """`action` with what it could be scoped to instead of "*"."""
    if action.startswith("NOT "):
        return f"{action} (NotAction grants everything else)"
    if action.startswith("managed policy "):
        return f"{action} (attached by ARN: its statements cannot be reviewed; define the policy here)"
    types = resource_types(action)
    if types is None:
        return f"{action} (unknown action)"
    return f"{action} (scopable to: {', '.join(types)})" if types else f"{action} (has no resource type)"
