"""Policy statements and the IAM evaluation logic for a request made within one account.

Follows "Policy evaluation logic" (IAM User Guide) for a role session calling a resource of its
own account: an explicit Deny in any applicable policy (identity- or resource-based) refuses;
otherwise an Allow in the role's identity-based policies, or in the resource's policy naming the
role (or its session) as principal, allows; otherwise the request is implicitly denied. A KMS key
policy is the exception: identity-based policies count only when the key policy allows the
account (`arn:aws:iam::ACCOUNT:root`) the action ("Key policies in AWS KMS").
Action matching is case-insensitive, resource matching case-sensitive, both with `*`/`?`;
NotAction, NotResource and NotPrincipal are honoured.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from localrun.iam.conditions import ContextValue, arn_match, block_matches, glob_match

UNRESOLVED = "\x00unresolved"  # a Resource whose ARN could not be resolved: it matches nothing


class PolicyError(ValueError):
    """A policy document localrun cannot read (the message names the policy and the element)."""


@dataclass(frozen=True)
class Request:
    """One authorization request: an action on a resource, with its condition context."""

    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Statement:
    """One statement of a policy document, its elements normalized to tuples."""

    effect: str
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None
    not_resource: bool
    principals: tuple[str, ...] | None
    not_principal: bool
    condition: Mapping[str, Mapping[str, Any]]
    source: str

    def covers(self, request: Request) -> bool:
        """Action, resource and condition all match (the principal is checked by the caller)."""
        action_hit = any(glob_match(pattern, request.action, ignore_case=True) for pattern in self.actions)
        if action_hit == self.not_action:
            return False
        if self.resources is not None:
            resource_hit = any(
                pattern != UNRESOLVED and arn_match(pattern, request.resource) for pattern in self.resources
            )
            if resource_hit == self.not_resource:
                return False
        return block_matches(self.condition, request.context)

    def names_principal(self, principal: Principal, *, for_deny: bool) -> bool:
        """Whether a resource policy statement's Principal includes `principal`. A statement naming
        the account applies to all its principals when it denies; an Allow to the account only
        delegates to the account's IAM policies, it does not grant the role anything by itself."""
        if self.principals is None:
            return False
        hit = any(
            value == "*"
            or value in (principal.role_arn, principal.session_arn)
            or (for_deny and value in (principal.account_id, principal.account_root))
            for value in self.principals
        )
        return hit != self.not_principal


@dataclass(frozen=True)
class Principal:
    """A role session: the role's ARN and the `assumed-role` ARN AWS names in its errors."""

    role_arn: str
    session_name: str

    @property
    def account_id(self) -> str:
        return self.role_arn.split(":")[4]

    @property
    def account_root(self) -> str:
        return f"arn:{self.role_arn.split(':')[1]}:iam::{self.account_id}:root"

    @property
    def role_name(self) -> str:
        return self.role_arn.rsplit("/", 1)[-1]

    @property
    def session_arn(self) -> str:
        partition = self.role_arn.split(":")[1]
        return f"arn:{partition}:sts::{self.account_id}:assumed-role/{self.role_name}/{self.session_name}"


@dataclass(frozen=True)
class Decision:
    """The outcome: allowed, or why not (the tail of AWS's AccessDenied message)."""

    allowed: bool
    reason: str = ""

    def message(self, principal: Principal, request: Request) -> str:
        return (
            f"User: {principal.session_arn} is not authorized to perform: {request.action} "
            f"on resource: {request.resource} {self.reason}"
        )


ALLOWED = Decision(allowed=True)


def _as_tuple(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(str(item) for item in items)


def _principals(value: Any) -> tuple[str, ...]:
    if value == "*":
        return ("*",)
    if not isinstance(value, Mapping):
        raise PolicyError(f"Principal must be '*' or a mapping, got {value!r}")
    found: list[str] = []
    for kind, names in value.items():
        if kind == "AWS":
            found.extend(_as_tuple(names))
        else:  # Service, Federated, CanonicalUser: never a role session of this account
            found.extend(f"{kind}:{name}" for name in _as_tuple(names))
    return tuple(found)


def parse_statements(document: Mapping[str, Any], source: str) -> list[Statement]:
    """The statements of a policy document (`Statement` may be one mapping or a list)."""
    raw = document.get("Statement", [])
    statements = raw if isinstance(raw, list) else [raw]
    parsed: list[Statement] = []
    for index, item in enumerate(statements):
        where = f"{source} statement {index}"
        effect = item.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise PolicyError(f"{where}: Effect must be Allow or Deny, got {effect!r}")
        if ("Action" in item) == ("NotAction" in item):
            raise PolicyError(f"{where}: exactly one of Action and NotAction is required")
        if "Resource" in item and "NotResource" in item:
            raise PolicyError(f"{where}: Resource and NotResource are exclusive")
        resource_key = "Resource" if "Resource" in item else "NotResource" if "NotResource" in item else None
        principal_key = (
            "Principal" if "Principal" in item else "NotPrincipal" if "NotPrincipal" in item else None
        )
        parsed.append(
            Statement(
                effect=effect,
                actions=_as_tuple(item.get("Action", item.get("NotAction"))),
                not_action="NotAction" in item,
                resources=_as_tuple(item[resource_key]) if resource_key else None,
                not_resource=resource_key == "NotResource",
                principals=_principals(item[principal_key]) if principal_key else None,
                not_principal=principal_key == "NotPrincipal",
                condition=item.get("Condition", {}),
                source=source,
            )
        )
    return parsed


def evaluate(
    principal: Principal,
    request: Request,
    identity: Sequence[Statement],
    resource_policy: Sequence[Statement] | None = None,
    *,
    key_policy: bool = False,
) -> Decision:
    """Whether `principal` may make `request`, given its identity-based statements and the
    resource's policy (None: the resource has none). `key_policy`: the resource policy is a KMS
    key policy, which must allow the account before identity-based policies count."""
    resource_statements = resource_policy or ()
    if _any(identity, request, "Deny"):
        return Decision(False, "with an explicit deny in an identity-based policy")
    resource_deny = [
        s for s in resource_statements if s.effect == "Deny" and s.names_principal(principal, for_deny=True)
    ]
    if _any(resource_deny, request, "Deny"):
        return Decision(False, "with an explicit deny in a resource-based policy")
    resource_allow = [
        s for s in resource_statements if s.effect == "Allow" and s.names_principal(principal, for_deny=False)
    ]
    if _any(resource_allow, request, "Allow"):
        return ALLOWED
    if key_policy and resource_policy is not None:
        to_account = [s for s in resource_statements if s.effect == "Allow" and _names_account(s, principal)]
        if not _any(to_account, request, "Allow"):
            return Decision(False, f"because no resource-based policy allows the {request.action} action")
    if _any(identity, request, "Allow"):
        return ALLOWED
    return Decision(False, f"because no identity-based policy allows the {request.action} action")


def _names_account(statement: Statement, principal: Principal) -> bool:
    return statement.principals is not None and any(
        value in (principal.account_id, principal.account_root) for value in statement.principals
    )


def _any(statements: Iterable[Statement], request: Request, effect: str) -> bool:
    return any(statement.effect == effect and statement.covers(request) for statement in statements)
