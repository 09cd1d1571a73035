"""The policies of a synthesized stack, resolved against its local deployment.

- Identity-based: every `AWS::IAM::Policy` and `AWS::IAM::ManagedPolicy` attached to a role of
  the template (`Roles`), the role's inline `Policies`, and its `ManagedPolicyArns` that name a
  managed policy of the template. AWS managed policies (`arn:aws:iam::aws:policy/...`) are not
  in the template: they grant nothing locally and are listed in `PolicySet.not_evaluated`.
- Resource-based: `AWS::S3::BucketPolicy`, `AWS::SQS::QueuePolicy`, `AWS::SNS::TopicPolicy` and
  `AWS::KMS::Key` key policies, by the ARN of the resource they protect.
- Who runs as which role: each `AWS::Lambda::Function`'s `Role`, each state machine's `RoleArn`.
A Resource element that does not resolve (an attribute localrun does not provide) becomes
`UNRESOLVED`, which matches no request, and is listed in `PolicySet.unresolved`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from localrun.iam.policy import UNRESOLVED, Statement, parse_statements
from localrun.intrinsics import Resolver, TemplateError
from localrun.provision import Deployment, PhysicalResource

# Stands in for a Condition block that does not resolve: it holds for no request.
NEVER_MATCHING_CONDITION = {"Null": {"localrun:unresolved": "false"}}


@dataclass
class PolicySet:
    """Everything IAM needs to authorize the calls of one deployed stack."""

    identity: dict[str, list[Statement]] = field(default_factory=dict)  # by role ARN
    resource: dict[str, list[Statement]] = field(default_factory=dict)  # by resource ARN
    key_policies: set[str] = field(default_factory=set)  # resource ARNs whose policy is a KMS key policy
    function_roles: dict[str, str] = field(default_factory=dict)  # function name -> role ARN
    state_machine_roles: dict[str, str] = field(default_factory=dict)  # state machine ARN -> role ARN
    unresolved: list[str] = field(default_factory=list)
    not_evaluated: list[str] = field(default_factory=list)
    denials: list[Any] = field(default_factory=list)  # `enforcement.Denial`s, in order
    unmapped: set[str] = field(default_factory=set)  # actions called on a resource localrun cannot name

    def statements_for(self, role_arn: str) -> list[Statement]:
        return self.identity.get(role_arn, [])

    def resource_policy(self, resource_arn: str) -> tuple[list[Statement] | None, bool]:
        """The policy protecting `resource_arn` (an S3 object is covered by its bucket's policy)."""
        for candidate in _policy_owners(resource_arn):
            if candidate in self.resource:
                return self.resource[candidate], candidate in self.key_policies
        return None, False


def _policy_owners(resource_arn: str) -> list[str]:
    if resource_arn.startswith("arn:aws:s3:::") and "/" in resource_arn:
        return [resource_arn.split("/", 1)[0]]
    return [resource_arn]


def build(deployment: Deployment) -> PolicySet:
    """Resolve every policy of `deployment.stack` against the deployed resources."""
    resolver = _resolver(deployment)
    policies = PolicySet()
    resources = deployment.stack.resources
    roles = {
        logical_id: resource.attributes["Arn"]
        for logical_id, resource in deployment.resources.items()
        if resource.type == "AWS::IAM::Role" and "Arn" in resource.attributes
    }
    managed = _managed_policies(deployment, resolver, policies)
    for logical_id, role_arn in roles.items():
        properties = resources[logical_id].get("Properties", {})
        statements = policies.identity.setdefault(role_arn, [])
        for index, inline in enumerate(properties.get("Policies", [])):
            source = f"{logical_id}.Policies[{index}]"
            statements.extend(_statements(inline.get("PolicyDocument", {}), source, resolver, policies))
        for reference in properties.get("ManagedPolicyArns", []):
            _attach_managed(reference, logical_id, statements, managed, resolver, policies)
    for logical_id, resource in resources.items():
        kind = resource.get("Type")
        properties = resource.get("Properties", {})
        if kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") and logical_id in deployment.resources:
            document = properties.get("PolicyDocument", {})
            statements_of = _statements(document, logical_id, resolver, policies)
            for role in properties.get("Roles", []):
                role_arn = _role_arn(role, roles, resolver)
                if role_arn is not None:
                    policies.identity.setdefault(role_arn, []).extend(statements_of)
        elif kind in _RESOURCE_POLICY_TARGETS:
            for arn in _RESOURCE_POLICY_TARGETS[kind](properties, resolver, deployment):
                document = properties.get("PolicyDocument") or properties.get("KeyPolicy") or {}
                policies.resource.setdefault(arn, []).extend(
                    _statements(document, logical_id, resolver, policies)
                )
        elif kind == "AWS::KMS::Key" and "KeyPolicy" in properties and logical_id in deployment.resources:
            arn = deployment.resources[logical_id].attributes.get("Arn")
            if arn:
                statements = _statements(properties["KeyPolicy"], logical_id, resolver, policies)
                policies.resource.setdefault(arn, []).extend(statements)
                policies.key_policies.add(arn)
    for spec in deployment.functions.values():
        role = _try(resolver, resources[spec.logical_id].get("Properties", {}).get("Role"))
        if isinstance(role, str):
            policies.function_roles[spec.name] = role
    for logical_id, arn in deployment.state_machines.items():
        role = _try(resolver, resources[logical_id].get("Properties", {}).get("RoleArn"))
        if isinstance(role, str):
            policies.state_machine_roles[arn] = role
    return policies


def _resolver(deployment: Deployment) -> Resolver:
    template = deployment.stack.template

    def lookup(logical_id: str) -> PhysicalResource:
        try:
            return deployment.resources[logical_id]
        except KeyError:
            raise TemplateError(f"reference to unknown resource {logical_id}") from None

    def attribute(logical_id: str, name: str) -> Any:
        found = lookup(logical_id).attributes
        if name not in found:
            raise TemplateError(f"Fn::GetAtt {logical_id}.{name} is not available in localrun")
        return found[name]

    return Resolver(
        ref=lambda logical_id: lookup(logical_id).ref,
        get_att=attribute,
        pseudo=deployment.pseudo,
        parameters={name: spec.get("Default") for name, spec in template.get("Parameters", {}).items()},
        conditions=template.get("Conditions", {}),
        mappings=template.get("Mappings", {}),
        cross_stack=deployment.imports,
    )


def _try(resolver: Resolver, value: Any) -> Any:
    try:
        return resolver.resolve(value)
    except TemplateError:
        return None


def _statements(
    document: Mapping[str, Any], source: str, resolver: Resolver, policies: PolicySet
) -> list[Statement]:
    """Resolve a document statement by statement; an unresolvable Resource entry is UNRESOLVED."""
    raw = document.get("Statement", [])
    resolved: list[dict[str, Any]] = []
    for index, statement in enumerate(raw if isinstance(raw, list) else [raw]):
        item: dict[str, Any] = {}
        for key, value in statement.items():
            if key in ("Resource", "NotResource"):
                entries = value if isinstance(value, list) else [value]
                item[key] = [
                    _resource_entry(entry, f"{source} statement {index}", resolver, policies)
                    for entry in entries
                ]
            else:
                resolved_value = _try(resolver, value)
                if resolved_value is None and value is not None:
                    policies.unresolved.append(f"{source} statement {index}: {key}")
                    resolved_value = NEVER_MATCHING_CONDITION if key == "Condition" else UNRESOLVED
                item[key] = resolved_value
        resolved.append(item)
    return parse_statements({"Statement": resolved}, source)


def _resource_entry(entry: Any, where: str, resolver: Resolver, policies: PolicySet) -> str:
    value = _try(resolver, entry)
    if not isinstance(value, str):
        policies.unresolved.append(f"{where}: Resource {entry!r}")
        return UNRESOLVED
    return value


def _managed_policies(
    deployment: Deployment, resolver: Resolver, policies: PolicySet
) -> dict[str, list[Statement]]:
    """The template's managed policies by the value a `ManagedPolicyArns` entry resolves to."""
    found: dict[str, list[Statement]] = {}
    for logical_id, resource in deployment.stack.of_type("AWS::IAM::ManagedPolicy").items():
        if logical_id not in deployment.resources:
            continue
        document = resource.get("Properties", {}).get("PolicyDocument", {})
        found[str(deployment.resources[logical_id].ref)] = _statements(
            document, logical_id, resolver, policies
        )
    return found


def _attach_managed(
    reference: Any,
    role: str,
    statements: list[Statement],
    managed: Mapping[str, list[Statement]],
    resolver: Resolver,
    policies: PolicySet,
) -> None:
    arn = _try(resolver, reference)
    if isinstance(arn, str) and arn in managed:
        statements.extend(managed[arn])
    else:
        policies.not_evaluated.append(f"{role}: managed policy {arn or reference!r} (not in the template)")


def _role_arn(reference: Any, roles: Mapping[str, str], resolver: Resolver) -> str | None:
    """`Roles` entries are role names (`Ref`); map them back to the role's ARN."""
    if isinstance(reference, Mapping) and "Ref" in reference and reference["Ref"] in roles:
        return roles[reference["Ref"]]
    name = _try(resolver, reference)
    return next((arn for arn in roles.values() if arn.rsplit("/", 1)[-1] == name), None)


def _bucket_arns(properties: Mapping[str, Any], resolver: Resolver, deployment: Deployment) -> list[str]:
    bucket = _try(resolver, properties.get("Bucket"))
    return [f"arn:{deployment.pseudo.partition}:s3:::{bucket}"] if isinstance(bucket, str) else []


def _queue_arns(properties: Mapping[str, Any], resolver: Resolver, deployment: Deployment) -> list[str]:
    urls = _try(resolver, properties.get("Queues", [])) or []
    pseudo = deployment.pseudo
    prefix = f"arn:{pseudo.partition}:sqs:{pseudo.region}:{pseudo.account_id}"
    return [f"{prefix}:{str(url).rstrip('/').rsplit('/', 1)[-1]}" for url in urls]


def _topic_arns(properties: Mapping[str, Any], resolver: Resolver, deployment: Deployment) -> list[str]:
    return [str(arn) for arn in (_try(resolver, properties.get("Topics", [])) or [])]


_RESOURCE_POLICY_TARGETS = {
    "AWS::S3::BucketPolicy": _bucket_arns,
    "AWS::SQS::QueuePolicy": _queue_arns,
    "AWS::SNS::TopicPolicy": _topic_arns,
}
