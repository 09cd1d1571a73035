"""What an AWS API call asks IAM for: the actions, the resource ARNs and the condition context.

Written from the Service Authorization Reference ("Actions, resources, and condition keys for
<service>") for the calls the project's handlers and state machines make. Most operations are
authorized as `<prefix>:<OperationName>`; the exceptions are listed in `_ACTION_NAMES` (S3
`ListObjectsV2` is `s3:ListBucket`, Lambda `Invoke` is `lambda:InvokeFunction`, ...), and calls
that touch several resources ask once per resource (`TransactWriteItems`, `PutEvents`,
`CopyObject`, `DeleteObjects`). A call whose resource this module cannot name asks for `*`, which
only a `Resource: "*"` statement allows (never silently allowed; see `UNMAPPED`).

The condition context holds the global keys localrun knows (`aws:SecureTransport` true: boto3
uses HTTPS; `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:RequestedRegion`, `aws:RequestTag/*`
and `aws:TagKeys` from the request's tags) and these service keys: `s3:prefix`,
`cloudwatch:namespace`, `kms:EncryptionContextKeys`, `kms:EncryptionContext:<key>`,
`dynamodb:Attributes`, `iam:PassedToService`, `events:source`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from localrun.iam.conditions import ContextValue
from localrun.iam.policy import Request

# The IAM service prefix where it differs from the SDK's signing name.
_PREFIXES = {"monitoring": "cloudwatch"}
# Operations authorized under another action name.
_ACTION_NAMES: dict[tuple[str, str], str] = {
    ("s3", "ListObjectsV2"): "ListBucket",
    ("s3", "ListObjects"): "ListBucket",
    ("s3", "HeadBucket"): "ListBucket",
    ("s3", "HeadObject"): "GetObject",
    ("s3", "GetObjectAttributes"): "GetObject",
    ("s3", "ListObjectVersions"): "ListBucketVersions",
    ("s3", "CreateMultipartUpload"): "PutObject",
    ("s3", "UploadPart"): "PutObject",
    ("s3", "CompleteMultipartUpload"): "PutObject",
    ("s3", "ListMultipartUploads"): "ListBucketMultipartUploads",
    ("lambda", "Invoke"): "InvokeFunction",
    ("lambda", "InvokeAsync"): "InvokeFunction",
    ("sqs", "SendMessageBatch"): "SendMessage",
    ("sqs", "DeleteMessageBatch"): "DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "ChangeMessageVisibility",
    ("sns", "PublishBatch"): "Publish",
    ("dynamodb", "TransactGetItems"): "GetItem",
    ("bedrock", "Converse"): "InvokeModel",
    ("bedrock", "ConverseStream"): "InvokeModelWithResponseStream",
}
# Calls AWS authorizes without any permission.
NO_PERMISSION_NEEDED = frozenset({("sts", "GetCallerIdentity")})
# Services that receive a role passed in a request (`iam:PassRole`, with `iam:PassedToService`).
_PASSED_TO = {
    "sagemaker": "sagemaker.amazonaws.com",
    "states": "states.amazonaws.com",
    "lambda": "lambda.amazonaws.com",
    "cloudformation": "cloudformation.amazonaws.com",
}
_ROLE_PARAMETERS = ("RoleArn", "roleArn", "Role", "ExecutionRoleArn", "AdministrationRoleARN")
# The condition keys a request carries when they apply (`*`: any tag key or context key).
SUPPLIED_CONDITION_KEYS = (
    "aws:SecureTransport",
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:RequestedRegion",
    "aws:RequestTag/*",
    "aws:TagKeys",
    "aws:ResourceTag/*",
    "s3:prefix",
    "cloudwatch:namespace",
    "kms:EncryptionContextKeys",
    "kms:EncryptionContext:*",
    "dynamodb:Attributes",
    "iam:PassedToService",
    "events:source",
)
# Condition keys the project's templates use that no local request carries, and why.
_SERVICE_PRINCIPALS_ONLY = "only in statements for service principals (a service acting for a resource)"
NOT_SUPPLIED_CONDITION_KEYS = {
    "aws:SourceArn": _SERVICE_PRINCIPALS_ONLY,
    "aws:SourceAccount": _SERVICE_PRINCIPALS_ONLY,
    "aws:ResourceOrgPaths": "only on the StackSet administration role's sts:AssumeRole (CloudFormation's)",
}
_TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
UNMAPPED = "*"


# Finds a resource the service itself knows by id (an Organizations account, OU or root, a
# CloudFormation StackSet): its ARN
# and tags, or None when it does not exist.
Directory = Callable[[str, str], tuple[str, Mapping[str, str]] | None]


@dataclass(frozen=True)
class Call:
    """One SDK call as the client makes it."""

    signing_name: str
    operation: str
    params: Mapping[str, Any]
    region: str
    account_id: str
    partition: str = "aws"
    directory: Directory | None = None

    @property
    def prefix(self) -> str:
        return _PREFIXES.get(self.signing_name, self.signing_name)

    @property
    def action(self) -> str:
        return f"{self.prefix}:{_ACTION_NAMES.get((self.prefix, self.operation), self.operation)}"

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return ":".join(
            [
                "arn",
                self.partition,
                service,
                self.region if region else "",
                self.account_id if account else "",
                resource,
            ]
        )


def requests_for(call: Call, principal_arn: str) -> list[Request]:
    """Every authorization request `call` makes (empty when it needs no permission)."""
    if (call.prefix, call.operation) in NO_PERMISSION_NEEDED:
        return []
    context = _global_context(call, principal_arn)
    builder = _BUILDERS.get(call.prefix, _generic)
    found = builder(call, context)
    found.extend(_passed_roles(call, context))
    return found


def _global_context(call: Call, principal_arn: str) -> dict[str, ContextValue]:
    context: dict[str, ContextValue] = {
        "aws:SecureTransport": True,
        "aws:PrincipalArn": principal_arn,
        "aws:PrincipalAccount": call.account_id,
        "aws:RequestedRegion": call.region,
    }
    tags = _request_tags(call.params)
    if tags:
        for key, value in tags.items():
            context[f"aws:RequestTag/{key}"] = value
        context["aws:TagKeys"] = list(tags)
    return context


def _request_tags(params: Mapping[str, Any]) -> dict[str, str]:
    tags = params.get("Tags") or params.get("tags")
    if isinstance(tags, Mapping):
        return {str(key): str(value) for key, value in tags.items()}
    if isinstance(tags, list):
        return {
            str(item.get("Key", item.get("key"))): str(item.get("Value", item.get("value", "")))
            for item in tags
            if isinstance(item, Mapping)
        }
    return {}


def _one(
    call: Call, resource: str, context: Mapping[str, ContextValue], action: str | None = None
) -> Request:
    return Request(action=action or call.action, resource=resource, context=dict(context))


def _generic(call: Call, context: dict[str, ContextValue]) -> list[Request]:
    """Operations with the resource's ARN in a parameter (`TopicArn`, `stateMachineArn`, ...)."""
    for key, value in call.params.items():
        if key.lower().endswith("arn") and isinstance(value, str) and value.startswith("arn:"):
            return [_one(call, value, context)]
    return [_one(call, UNMAPPED, context)]


def _dynamodb(call: Call, context: dict[str, ContextValue]) -> list[Request]:
    params = call.params

    def table(name: str, index: str | None = None) -> str:
        if name.startswith("arn:"):
            return name if index is None else f"{name}/index/{index}"
        return call.arn("dynamodb", f"table/{name}" + (f"/index/{index}" if index else ""))

    if call.operation in ("BatchGetItem", "BatchWriteItem"):
        return [_one(call, table(name), context) for name in params.get("RequestItems", {})]
    if call.operation == "TransactWriteItems":
        found = []
        for item in params.get("TransactItems", []):
            for kind, body in item.items():
                action = f"dynamodb:{_TRANSACT_ACTIONS.get(kind, kind)}"
                found.append(_one(call, table(body["TableName"]), _attributes(context, body), action))
        return found
    if call.operation == "TransactGetItems":
        return [
            _one(call, table(item["Get"]["TableName"]), context) for item in params.get("TransactItems", [])
        ]
    if "TableName" in params:
        return [_one(call, table(params["TableName"], params.get("IndexName")), _attributes(context, params))]
    if "ResourceArn" in params:
        return [_one(call, params["ResourceArn"], context)]
    return [_one(call, UNMAPPED, context)]


def _attributes(context: dict[str, ContextValue], params: Mapping[str, Any]) -> dict[str, ContextValue]:
    """`dynamodb:Attributes`: the attribute names the request reads or writes (key, item, the
    expression attribute names and the top-level names an expression spells directly)."""
    names: list[str] = []
    for member in ("Key", "Item", "AttributeUpdates"):
        names.extend(params.get(member, {}) or {})
    names.extend((params.get("ExpressionAttributeNames") or {}).values())
    for member in ("UpdateExpression", "ProjectionExpression", "ConditionExpression"):
        names.extend(_plain_names(str(params.get(member) or "")))
    if not names:
        return context
    return {**context, "dynamodb:Attributes": list(dict.fromkeys(names))}


_EXPRESSION_WORDS = frozenset(
    {
        "SET",
        "REMOVE",
        "ADD",
        "DELETE",
        "AND",
        "OR",
        "NOT",
        "BETWEEN",
        "IN",
        "if_not_exists",
        "list_append",
        "attribute_exists",
        "attribute_not_exists",
        "attribute_type",
        "begins_with",
        "contains",
        "size",
    }
)


def _plain_names(expression: str) -> list[str]:
    return [
        word
        for word in re.findall(r"(?<![#:\w.])([A-Za-z_][A-Za-z0-9_]*)", expression)
        if word not in _EXPRESSION_WORDS and word.upper() not in _EXPRESSION_WORDS
    ]


def _s3(call: Call, context: dict[str, ContextValue]) -> list[Request]:
    params = call.params
    bucket = params.get("Bucket")
    if bucket is None:
        return [_one(call, UNMAPPED, context)]
    bucket_arn = f"arn:{call.partition}:s3:::{bucket}"
    if call.action in ("s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"):
        if "Prefix" in params:
            context = {**context, "s3:prefix": str(params["Prefix"])}
        return [_one(call, bucket_arn, context)]
    if call.operation == "DeleteObjects":
        keys = [item["Key"] for item in params.get("Delete", {}).get("Objects", [])]
        return [_one(call, f"{bucket_arn}/{key}", context, "s3:DeleteObject") for key in keys]
    if call.operation == "CopyObject":
        source = params.get("CopySource")
        if isinstance(source, Mapping):
            source_arn = f"arn:{call.partition}:s3:::{source['Bucket']}/{source['Key']}"
        else:
            source_arn = f"arn:{call.partition}:s3:::{str(source).lstrip('/').split('?')[0]}"
        return [
            _one(call, source_arn, context, "s3:GetObject"),
            _one(call, f"{bucket_arn}/{params['Key']}", context, "s3:PutObject"),
        ]
    if "Key" in params:
        return [_one(call, f"{bucket_arn}/{params['Key']}", context)]
    return [_one(call, bucket_arn, context)]


def _sqs(call: Call, context: dict[str, ContextValue]) -> list[Request]:
    url = call.params.get("QueueUrl")
    if not url:
        return _generic(call, context)
    name = urlparse(str(url)).path.rstrip("/").rsplit("/", 1)[-1]
    return [_one(call, call.arn("sqs", name), context)]


def _lambda(call: Call, context: dict[str, ContextValue]) -> list[Request]:
    name = str(call.params.get("FunctionName", ""))
    if not name:
        return _generic(call, context)
    if name.startswith("arn:"):
        return [_one(call, name, context)]
    qualifier = call.params.get("Qualifier")
    resource = f"function:{name}" + (f":{qualifier}" if qualifier else "")
    return [_one(call, call.arn("lambda", resource), context)]


def _events(call: Call, context: dict[str, ContextValue]) -> list[Request]:
    """PutEvents asks once per bus and event source: `events:source` is each entry's Source."""
    if call.operation != "PutEvents":
        return _generic(call, context)
    targets = {
        (str(entry.get("EventBusName") or "default"), entry.get("Source"))
        for entry in call.params.get("Entries", [])
    }
    return [
        _one(
            call,
            bus if bus.startswith("arn:") else call.arn("events", f"event-bus/{bus}"),
            context if source is None else {**context, "events:source": str(source)},
        )
        for bus, source in sorted(targets, key=lambda target: (target[0], str(target[1] or "")))
    ]


def _kms(call: Call, context: dict[str, ContextValue]) -> list[Request]:
    key = str(call.params.get("KeyId", ""))
    encryption_context = call.params.get("EncryptionContext") or {}
    if encryption_context:
        context = {**context, "kms:EncryptionContextKeys": list(encryption_context)}
        context.update({f"kms:EncryptionContext:{k}": str(v) for k, v in encryption_context.items()})
    if not key:
        return [_one(call, UNMAPPED, context)]
    if key.startswith("arn:"):
        return [_one(call, key, context)]
    if key.startswith("alias/"):
        return [_one(call, call.arn("kms", key), context)]
    return [_one(call, call.arn("kms", f"key/{key}"), context)]


def _cloudwatch(call: Call, context: dict[str, ContextValue]) -> list[Request]:
    if "Namespace" in call.params:
        context = {**context, "cloudwatch:namespace": str(call.params["Namespace"])}
    return _generic(call, context)


def _ssm(call: Call, context: dict[str, ContextValue]) -> list[Request]:
    names = call.params.get("Names") or ([call.params["Name"]] if "Name" in call.params else [])
    if not names:
        return _generic(call, context)
    return [
        _one(
            call,
            name if name.startswith("arn:") else call.arn("ssm", f"parameter/{name.lstrip('/')}"),
            context,
        )
        for name in names
    ]


def _states(call: Call, context: dict[str, ContextValue]) -> list[Request]:
    return _generic(call, context)


# Cross-region inference profile ids start with a geography (`us.anthropic...`).
_PROFILE_GEOGRAPHIES = ("us.", "us-gov.", "eu.", "apac.", "jp.", "au.", "ca.", "global.")


def _bedrock(call: Call, context: dict[str, ContextValue]) -> list[Request]:
    """A model by id or ARN; an inference profile id asks for the profile and its foundation model
    (in the calling region, which stands for the profile's destinations); a guardrail by id or ARN."""
    guardrail = str(call.params.get("guardrailIdentifier", ""))
    if guardrail:
        arn = guardrail if guardrail.startswith("arn:") else call.arn("bedrock", f"guardrail/{guardrail}")
        return [_one(call, arn, context)]
    model = str(call.params.get("modelId", ""))
    if not model:
        return _generic(call, context)
    if model.startswith("arn:"):
        return [_one(call, model, context)]
    if model.startswith(_PROFILE_GEOGRAPHIES):
        base = model.split(".", 1)[1]
        return [
            _one(call, call.arn("bedrock", f"inference-profile/{model}"), context),
            _one(call, call.arn("bedrock", f"foundation-model/{base}", account=False), context),
        ]
    return [_one(call, call.arn("bedrock", f"foundation-model/{model}", account=False), context)]


def _s3vectors(call: Call, context: dict[str, ContextValue]) -> list[Request]:
    params = call.params
    if params.get("indexArn"):
        return [_one(call, str(params["indexArn"]), context)]
    bucket = params.get("vectorBucketName")
    if bucket and params.get("indexName"):
        return [_one(call, call.arn("s3vectors", f"bucket/{bucket}/index/{params['indexName']}"), context)]
    if bucket:
        return [_one(call, call.arn("s3vectors", f"bucket/{bucket}"), context)]
    return _generic(call, context)


_ORGANIZATIONS_TARGETS = ("AccountId", "ChildId", "ResourceId", "ParentId", "TargetId")


def _organizations(call: Call, context: dict[str, ContextValue]) -> list[Request]:
    """Accounts, OUs and roots by their ARN in the organization (`account/o-ORG/ACCOUNT`), with
    `aws:ResourceTag/*` from the resource's tags; operations without a resource type ask for `*`."""
    for member in _ORGANIZATIONS_TARGETS:
        identifier = call.params.get(member)
        if not isinstance(identifier, str):
            continue
        found = call.directory(call.prefix, identifier) if call.directory is not None else None
        if found is None:
            return [_one(call, UNMAPPED, context)]
        arn, tags = found
        tagged = {**context, **{f"aws:ResourceTag/{key}": value for key, value in tags.items()}}
        return [_one(call, arn, tagged)]
    return [_one(call, UNMAPPED, context)]


def _cloudformation(call: Call, context: dict[str, ContextValue]) -> list[Request]:
    """StackSet operations name the set; IAM authorizes its ARN (`stackset/NAME:ID`)."""
    name = call.params.get("StackSetName")
    if not isinstance(name, str):
        return _generic(call, context)
    found = call.directory(call.prefix, name) if call.directory is not None else None
    return [_one(call, found[0] if found else UNMAPPED, context)]


def _sts(call: Call, context: dict[str, ContextValue]) -> list[Request]:
    return _generic(call, context)


def _passed_roles(call: Call, context: dict[str, ContextValue]) -> list[Request]:
    """A request that hands a role to a service also asks for `iam:PassRole` on that role."""
    service = _PASSED_TO.get(call.prefix)
    if service is None:
        return []
    found = []
    for name in _ROLE_PARAMETERS:
        role = call.params.get(name)
        if isinstance(role, str) and ":role/" in role:
            passed = {**context, "iam:PassedToService": service}
            found.append(Request(action="iam:PassRole", resource=role, context=passed))
    return found


Builder = Callable[[Call, dict[str, ContextValue]], list[Request]]
_BUILDERS: dict[str, Builder] = {
    "dynamodb": _dynamodb,
    "s3": _s3,
    "sqs": _sqs,
    "lambda": _lambda,
    "events": _events,
    "kms": _kms,
    "cloudwatch": _cloudwatch,
    "ssm": _ssm,
    "states": _states,
    "bedrock": _bedrock,
    "s3vectors": _s3vectors,
    "sts": _sts,
    "organizations": _organizations,
    "cloudformation": _cloudformation,
}
