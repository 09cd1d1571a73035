"""ValidateRequest: every field checked, all problems reported at once, normalised output."""

from __future__ import annotations

from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer
from tenants import contract, validate

from shared.environment import MissingSetting
from shared.errors import InvalidInput

from .conftest import TIERS, call


def request(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "tenantId": "acme",
        "accountName": "Acme Corp",
        "email": "aws+acme@Example.COM",
        "organizationalUnitId": "ou-ab12-cdef3456",
        "tier": "premium",
        "tags": {"cost-center": "cc-42"},
    }
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def rejection(environment: dict[str, str], **overrides: Any) -> str:
    with pytest.raises(InvalidInput) as raised:
        call(validate.handler, request(**overrides))
    return str(raised.value)


def test_valid_request_is_normalised_with_tags_and_registry_attributes(environment) -> None:
    result = call(validate.handler, request(accountName="  Acme Corp "))
    assert result["tenantId"] == "acme"
    assert result["accountName"] == "Acme Corp"
    assert result["email"] == "aws+acme@example.com"
    assert result["tags"] == {"cost-center": "cc-42"}
    assert result["accountTags"] == [
        {"Key": "cost-center", "Value": "cc-42"},
        {"Key": "stepwise:tenant", "Value": "acme"},
        {"Key": "stepwise:tier", "Value": "premium"},
    ]
    deserialize = TypeDeserializer().deserialize
    assert deserialize(result["registry"]["tags"]) == {"cost-center": "cc-42"}
    assert deserialize(result["registry"]["tierDefaults"]) == TIERS["premium"]


def test_tags_may_be_given_as_key_value_pairs(environment) -> None:
    result = call(validate.handler, request(tags=[{"Key": "team", "Value": "payments"}]))
    assert result["tags"] == {"team": "payments"}


def test_tags_are_optional_and_serialise_to_an_empty_map(environment) -> None:
    result = call(validate.handler, request(tags=None))
    assert result["tags"] == {}
    assert result["registry"]["tags"] == {"M": {}}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("tenantId", "Acme", "tenantId"),
        ("tenantId", "a", "tenantId"),
        ("tenantId", "acme--corp", "tenantId"),
        ("tenantId", "acme-", "tenantId"),
        ("tenantId", 42, "tenantId"),
        ("accountName", "", "accountName"),
        ("accountName", "x" * 51, "accountName"),
        ("accountName", "Acme\u00e9", "accountName"),
        ("email", "not-an-email", "email"),
        ("email", "a@b.c", "email"),
        ("organizationalUnitId", "r-ab12", "organizationalUnitId"),
        ("organizationalUnitId", "ou-stpw-quarantine", "reserved"),
        ("tier", "gold", "tier: must be one of premium, standard"),
        ("tags", {"aws:createdBy": "x"}, "reserved prefix"),
        ("tags", {"AWS:createdBy": "x"}, "reserved prefix"),
        ("tags", {"stepwise:tenant": "other"}, "reserved prefix"),
        ("tags", {"Stepwise:Tenant": "other"}, "reserved prefix"),
        ("tags", {"k": "v" * 257}, "invalid value"),
        ("tags", [{"Key": "k"}], "list items must be"),
        ("tags", "cost-center=cc-42", "object or a list"),
        ("tier", ["standard"], "tier: must be one of"),
        ("tier", {"name": "standard"}, "tier: must be one of"),
    ],
)
def test_each_invalid_field_is_named(environment, field: str, value: Any, message: str) -> None:
    assert message in rejection(environment, **{field: value})


@pytest.mark.parametrize("body", [[request()], "acme", None])
def test_a_request_that_is_not_an_object_is_rejected(environment, body: Any) -> None:
    with pytest.raises(InvalidInput):
        call(validate.handler, body)
    with pytest.raises(InvalidInput, match="must be a JSON object"):
        validate.validate_request(body, TIERS)


def test_every_problem_is_reported_at_once(environment) -> None:
    message = rejection(environment, tenantId="A", email="nope", tier="gold", color="blue")
    for expected in ("unknown fields: color", "tenantId", "email", "tier"):
        assert expected in message


def test_too_many_tags_are_rejected(environment) -> None:
    tags = {f"k{index}": "v" for index in range(validate.MAX_USER_TAGS + 1)}
    assert "at most 40 tags" in rejection(environment, tags=tags)


def test_allow_lists_from_config_are_enforced(environment, monkeypatch) -> None:
    monkeypatch.setenv(contract.ALLOWED_OU_IDS_ENV, "ou-ab12-aaaaaaaa")
    monkeypatch.setenv(contract.ALLOWED_EMAIL_DOMAINS_ENV, "tenants.example.org")
    message = rejection(environment)
    assert "organizationalUnitId: ou-ab12-cdef3456 is not one of ['ou-ab12-aaaaaaaa']" in message
    assert "domain 'example.com' is not one of ['tenants.example.org']" in message
    accepted = call(
        validate.handler,
        request(organizationalUnitId="ou-ab12-aaaaaaaa", email="root@Tenants.Example.org"),
    )
    assert accepted["email"] == "root@tenants.example.org"


def test_missing_tiers_are_a_named_setting_error(environment, monkeypatch) -> None:
    monkeypatch.delenv(contract.TENANT_TIERS_ENV)
    with pytest.raises(MissingSetting, match="TENANT_TIERS"):
        call(validate.handler, request())
