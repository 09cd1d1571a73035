"""Rule TRUST: who may assume each role, and where its policies leave an account or role open.

Per role of a template it finds
- trust statements that trust a service principal without pinning the caller (`aws:SourceArn` or
  `aws:SourceAccount`), or pin it with a wildcard in the caller's name (`stateMachine:*`,
  `stackset/*`), and trust statements that trust a whole account (`:root`) or everyone (`*`)
  without a condition on the principal (MFA, principal ARN, org);
- Allow statements of its identity policies whose resource ARN holds a wildcard in an account or
  role position: any account (`iam::*:`), any organization (`o-*`), any member account, OU or root
  of an organization, any role or user, any state machine, any StackSet.

A finding may be allow-listed per role (allowlists.TRUST_FINDINGS) with a reason and the condition
keys that must narrow it on the same statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tests.quality.targets import machine_name

# Keys that pin a service principal to its caller (the confused-deputy guard).
SOURCE_KEYS = frozenset({"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths"})
# Keys that narrow an AWS principal (a whole account, or `*`) to someone in particular.
PRINCIPAL_KEYS = frozenset(
    {
        "aws:multifactorauthpresent",
        "aws:principalarn",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "sts:externalid",
    }
)
_ORGANIZATIONS_ID = {
    "account": ("any member account", re.compile(r"^account/([^/]+)/(.+)$")),
    "ou": ("any OU", re.compile(r"^ou/([^/]+)/(.+)$")),
    "root": ("any root", re.compile(r"^root/([^/]+)/(.+)$")),
}


@dataclass(frozen=True)
class Finding:
    """One wildcard or unpinned trust of one role, with the statement's condition keys."""

    role: str
    kind: str
    detail: str
    condition_keys: frozenset[str]

    def __str__(self) -> str:
        keys = f" [conditions: {', '.join(sorted(self.condition_keys))}]" if self.condition_keys else ""
        return f"{self.role}: {self.kind}: {self.detail}{keys}"


def render(value: Any) -> str:
    """A CloudFormation string value as text: `Ref`/`GetAtt` become `<Name>`/`<Name.Attr>` (`AWS::X`
    as `<AWS.X>`, so the ARN's `:` separators stay countable)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        if "Ref" in value:
            return f"<{str(value['Ref']).replace('::', '.')}>"
        if "Fn::GetAtt" in value:
            return f"<{'.'.join(map(str, value['Fn::GetAtt']))}>"
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(render(part) for part in parts)
        if "Fn::Sub" in value:
            text = value["Fn::Sub"]
            text = text if isinstance(text, str) else text[0]
            return re.sub(r"\$\{([^}]+)\}", lambda match: f"<{match.group(1).replace('::', '.')}>", text)
    return f"<{value!r}>"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def arn_wildcards(arn: str) -> list[str]:
    """The account and role positions of `arn` that hold a wildcard, as finding kinds."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return []
    _, _, service, _, account, resource = parts
    kinds = []
    if "*" in account:
        kinds.append("any account")
    if service == "organizations":
        for prefix, (kind, pattern) in _ORGANIZATIONS_ID.items():
            match = pattern.match(resource)
            if match and resource.startswith(prefix):
                if "*" in match.group(1):
                    kinds.append("any organization")
                if "*" in match.group(2):
                    kinds.append(kind)
    elif service == "iam":
        for kind, prefix in (("any role", "role/"), ("any user", "user/")):
            if resource.startswith(prefix) and "*" in resource:
                kinds.append(kind)
    elif service == "states" and resource.startswith("stateMachine:") and "*" in resource:
        kinds.append("any state machine")
    elif service == "cloudformation" and "*" in _stack_set_name(resource):
        kinds.append("any StackSet")
    return kinds


def _stack_set_name(resource: str) -> str:
    """The name in `stackset/<name>:<id>` ("" for other resources): a wildcard id after an exact name
    is still one StackSet."""
    return resource.removeprefix("stackset/").split(":", 1)[0] if resource.startswith("stackset/") else ""


def _condition_keys(statement: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(key.lower() for test in statement.get("Condition", {}).values() for key in test)


def _condition_values(statement: Mapping[str, Any], key: str) -> list[str]:
    return [
        render(value)
        for test in statement.get("Condition", {}).values()
        for name, values in test.items()
        if name.lower() == key
        for value in _as_list(values)
    ]


def trust_findings(role: str, document: Mapping[str, Any]) -> Iterator[Finding]:
    """Findings of one trust policy (AssumeRolePolicyDocument)."""
    for statement in _as_list(document.get("Statement", [])):
        if statement.get("Effect") != "Allow":
            continue
        keys = _condition_keys(statement)
        principal = statement.get("Principal", {})
        principals = {"AWS": ["*"]} if principal == "*" else principal
        for service in _as_list(principals.get("Service", [])):
            if not keys & SOURCE_KEYS:
                yield Finding(role, "service trusted for any caller", render(service), keys)
            for source in _condition_values(statement, "aws:sourcearn"):
                for kind in arn_wildcards(source):
                    yield Finding(role, f"trusted source: {kind}", f"{render(service)} from {source}", keys)
        for aws in _as_list(principals.get("AWS", [])):
            text = render(aws)
            if (text == "*" or text.endswith(":root")) and not keys & PRINCIPAL_KEYS:
                kind = "anyone" if text == "*" else "every principal of an account"
                yield Finding(role, f"trusted: {kind}", text, keys)


def _policy_roles(resource: Mapping[str, Any]) -> list[str]:
    return [render(role).strip("<>") for role in resource.get("Properties", {}).get("Roles", [])]


def role_documents(template: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """`(role logical id, "trust"|"identity", document)` for every role of the template."""
    resources = template.get("Resources", {})
    for logical_id, resource in resources.items():
        properties = resource.get("Properties", {})
        if resource.get("Type") == "AWS::IAM::Role":
            if "AssumeRolePolicyDocument" in properties:
                yield logical_id, "trust", properties["AssumeRolePolicyDocument"]
            for policy in _as_list(properties.get("Policies", [])):
                if isinstance(policy, Mapping) and "PolicyDocument" in policy:
                    yield logical_id, "identity", policy["PolicyDocument"]
        elif resource.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for role in _policy_roles(resource):
                yield role, "identity", properties.get("PolicyDocument", {})


def identity_findings(role: str, document: Mapping[str, Any]) -> Iterator[Finding]:
    """Findings of one identity policy attached to `role`."""
    for statement in _as_list(document.get("Statement", [])):
        if statement.get("Effect") != "Allow":
            continue
        keys = _condition_keys(statement)
        actions = ", ".join(map(str, _as_list(statement.get("Action", []))))
        for resource in _as_list(statement.get("Resource", [])):
            arn = render(resource)
            for kind in arn_wildcards(arn):
                yield Finding(role, kind, f"{actions} on {arn}", keys)


def findings(template: Mapping[str, Any]) -> list[Finding]:
    """Every trust and wildcard finding of every role, the role named without CDK's hash."""
    found: list[Finding] = []
    for logical_id, kind, document in role_documents(template):
        role = machine_name(logical_id)
        review = trust_findings if kind == "trust" else identity_findings
        found.extend(review(role, document))
    return found


@dataclass(frozen=True)
class Reviewed:
    """An allow-listed finding: why it stands, and the condition keys that narrow it (the statement
    must hold at least one of them; none listed: no condition needed)."""

    reason: str
    conditions: tuple[str, ...] = ()


def unreviewed(
    workflow: str,
    found: list[Finding],
    allowed: Mapping[tuple[str, str], Reviewed],
    services: Mapping[str, str],
) -> tuple[list[str], set[tuple[str, str]], set[str]]:
    """Findings no allow-list entry covers (or whose statement lacks the entry's conditions), and the
    role entries and trusted services that covered at least one finding."""
    problems: list[str] = []
    used: set[tuple[str, str]] = set()
    used_services: set[str] = set()
    for finding in found:
        if finding.kind == "service trusted for any caller" and finding.detail in services:
            used_services.add(finding.detail)
            continue
        key = (f"{workflow}/{finding.role}", finding.kind)
        entry = allowed.get(key)
        if entry is None:
            problems.append(str(finding))
            continue
        if entry.conditions and not {c.lower() for c in entry.conditions} & finding.condition_keys:
            problems.append(
                f"{finding} (allow-listed only with a condition on {' or '.join(entry.conditions)})"
            )
            continue
        used.add(key)
    return problems, used, used_services
