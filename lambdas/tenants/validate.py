"""Validate and normalise a tenant request; prepare account tags and registry attributes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from boto3.dynamodb.types import TypeSerializer

from shared import environment
from shared.errors import InvalidInput
from shared.task import logger, metrics, task_handler
from tenants.contract import (
    ALLOWED_EMAIL_DOMAINS_ENV,
    ALLOWED_OU_IDS_ENV,
    RESERVED_OU_IDS_ENV,
    RESERVED_TAG_PREFIXES,
    TENANT_TAG,
    TENANT_TIERS_ENV,
    TIER_TAG,
)

TENANT_ID = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")
ACCOUNT_NAME = re.compile(r"^[\u0020-\u007e]{1,50}$")
EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
OU_ID = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
TAG_TEXT = re.compile(r"^[\w\s.:/=+\-@]*$")
MAX_USER_TAGS = 40
FIELDS = ("tenantId", "accountName", "email", "organizationalUnitId", "tier", "tags")


def _csv(name: str) -> set[str]:
    return set(environment.items(name))


def _tags(raw: Any, problems: list[str]) -> dict[str, str]:
    """Accept `{"k": "v"}` or `[{"Key": "k", "Value": "v"}]`; return a plain mapping."""
    if raw is None:
        return {}
    if isinstance(raw, list):
        pairs = []
        for item in raw:
            if not isinstance(item, Mapping) or set(item) != {"Key", "Value"}:
                problems.append("tags: list items must be {'Key': ..., 'Value': ...}")
                return {}
            pairs.append((item["Key"], item["Value"]))
    elif isinstance(raw, Mapping):
        pairs = list(raw.items())
    else:
        problems.append("tags: must be an object or a list of Key/Value pairs")
        return {}
    tags: dict[str, str] = {}
    for key, value in pairs:
        if not isinstance(key, str) or not isinstance(value, str):
            problems.append(
                f"tags: key and value must be strings (got {type(key).__name__}: {type(value).__name__})"
            )
            continue
        if not 1 <= len(key) <= 128 or not TAG_TEXT.match(key):
            problems.append(f"tags: invalid key {key!r}")
        elif key.lower().startswith(RESERVED_TAG_PREFIXES):
            problems.append(f"tags: key {key!r} uses a reserved prefix (aws:, stepwise:)")
        elif len(value) > 256 or not TAG_TEXT.match(value):
            problems.append(f"tags: invalid value for {key!r}")
        elif key in tags:
            problems.append(f"tags: duplicate key {key!r}")
        else:
            tags[key] = value
    if len(tags) > MAX_USER_TAGS:
        problems.append(f"tags: at most {MAX_USER_TAGS} tags (got {len(tags)})")
    return tags


def _email(raw: Any, problems: list[str]) -> str:
    if not isinstance(raw, str) or not 6 <= len(raw.strip()) <= 64 or not EMAIL.match(raw.strip()):
        problems.append("email: must be a 6-64 character e-mail address")
        return ""
    local, domain = raw.strip().rsplit("@", 1)
    domain = domain.lower()
    allowed = {item.lower() for item in _csv(ALLOWED_EMAIL_DOMAINS_ENV)}
    if allowed and domain not in allowed:
        problems.append(f"email: domain {domain!r} is not one of {sorted(allowed)}")
    return f"{local}@{domain}"


def _organizational_unit(raw: Any, problems: list[str]) -> str:
    if not isinstance(raw, str) or not OU_ID.match(raw):
        problems.append("organizationalUnitId: must look like ou-xxxx-xxxxxxxx")
        return ""
    if raw in _csv(RESERVED_OU_IDS_ENV):
        problems.append(f"organizationalUnitId: {raw} is reserved (quarantine or suspended)")
    allowed = _csv(ALLOWED_OU_IDS_ENV)
    if allowed and raw not in allowed:
        problems.append(f"organizationalUnitId: {raw} is not one of {sorted(allowed)}")
    return raw


def validate_request(request: Mapping[str, Any], tiers: Mapping[str, Any]) -> dict[str, Any]:
    """Return the normalised request or raise InvalidInput listing every problem found."""
    if not isinstance(request, Mapping):
        raise InvalidInput(f"the request must be a JSON object, got {type(request).__name__}")
    problems: list[str] = []
    unknown = sorted(set(request) - set(FIELDS))
    if unknown:
        problems.append(f"unknown fields: {', '.join(unknown)}")
    tenant_id = request.get("tenantId")
    if not isinstance(tenant_id, str) or not TENANT_ID.match(tenant_id) or "--" in tenant_id:
        problems.append("tenantId: 3-32 lower-case letters, digits or single '-', starting with a letter")
    account_name = request.get("accountName")
    if not isinstance(account_name, str) or not ACCOUNT_NAME.match(account_name.strip() or "\n"):
        problems.append("accountName: 1-50 printable ASCII characters")
    email = _email(request.get("email"), problems)
    organizational_unit = _organizational_unit(request.get("organizationalUnitId"), problems)
    tier = request.get("tier")
    if not isinstance(tier, str) or tier not in tiers:
        problems.append(f"tier: must be one of {', '.join(sorted(tiers))} (got {tier!r})")
    tags = _tags(request.get("tags"), problems)
    if problems:
        raise InvalidInput("; ".join(problems))
    return {
        "tenantId": tenant_id,
        "accountName": account_name.strip(),
        "email": email,
        "organizationalUnitId": organizational_unit,
        "tier": tier,
        "tags": tags,
    }


def account_tags(request: Mapping[str, Any]) -> list[dict[str, str]]:
    """Tags for organizations:CreateAccount: the request's tags plus the tenant and tier."""
    tags = {**request["tags"], TENANT_TAG: request["tenantId"], TIER_TAG: request["tier"]}
    return [{"Key": key, "Value": value} for key, value in sorted(tags.items())]


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    tiers = environment.json_object(TENANT_TIERS_ENV)
    try:
        request = validate_request(event_input, tiers)
    except InvalidInput:
        metrics.add_metric(name="TenantRequestsRejected", unit="Count", value=1)
        raise
    serializer = TypeSerializer()
    logger.info("tenant request valid", extra={"tenantId": request["tenantId"]})
    return {
        **request,
        "accountTags": account_tags(request),
        "registry": {
            "tags": serializer.serialize(request["tags"]),
            "tierDefaults": serializer.serialize(tiers[request["tier"]]),
        },
    }
