"""The `tenants` config section: defaults are deployable, bad values fail naming the key."""

from __future__ import annotations

import pytest

from stacks.application import project_context
from stacks.config import ConfigError, load_environment

ENVIRONMENTS = project_context()["environments"]


def load(section: dict) -> object:
    return load_environment({"dev": {**ENVIRONMENTS["dev"], "tenants": section}}, "dev").tenants


def test_defaults_cover_the_worst_case_poll_budget() -> None:
    settings = load_environment(ENVIRONMENTS, "dev").tenants
    assert settings.baseline.templates == ("networking", "iam-roles", "logging", "tagging")
    assert settings.execution_timeout_minutes * 60 >= settings.worst_case_seconds
    assert set(settings.tiers) == {"standard", "premium", "enterprise"}


def test_camel_case_keys_are_read() -> None:
    settings = load(
        {
            "quarantineOuId": "ou-ab12-quarant1",
            "activation": {"intervalSeconds": 10, "maxPolls": 6},
            "baseline": {"templates": ["networking"], "maxConcurrency": 1, "regions": ["eu-west-1"]},
            "tiers": {
                "trial": {
                    "maxUsers": 5,
                    "monthlyBudgetUsd": 0,
                    "supportLevel": "basic",
                    "dataRetentionDays": 7,
                }
            },
        }
    )
    assert settings.quarantine_ou_id == "ou-ab12-quarant1"
    assert settings.activation.budget_seconds == 60
    assert settings.baseline.regions == ("eu-west-1",)
    assert list(settings.tiers) == ["trial"]


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"quarantineOuId": "quarantine"}, "environments.dev.tenants.quarantineOuId: String should match"),
        ({"baseline": {"templates": ["nope"]}}, "no baseline template nope.yaml in baseline/"),
        ({"baseline": {"templates": []}}, "needs at least one baseline template"),
        ({"baseline": {"regions": ["mars-1"]}}, "'mars-1' is not a region name"),
        ({"baseline": {"maxConcurrency": 0}}, "environments.dev.tenants.baseline.maxConcurrency"),
        ({"tiers": {}}, "needs at least one tier"),
        ({"tiers": {"Gold": {}}}, "environments.dev.tenants.tiers.Gold"),
        ({"allowedOuIds": ["ou-stpw-quarantine"]}, "must not contain the quarantine/suspended OU"),
        ({"allowedEmailDomains": ["not a domain"]}, "'not a domain' is not a domain name"),
        ({"suspendedOuId": "ou-stpw-quarantine"}, "must be different OUs"),
        ({"executionTimeoutMinutes": 30}, "executionTimeoutMinutes (30) must cover the poll budgets"),
        ({"activation": {"intervalSeconds": 30}}, "environments.dev.tenants.activation.maxPolls: Field"),
        ({"eventBus": "default"}, "environments.dev.tenants.eventBus: unknown key"),
        (
            {"allowedOuIds": []},
            "needs at least one OU: tenant accounts are placed, and IAM scoped, only there",
        ),
        ({"organizationId": "o-*"}, "environments.dev.tenants.organizationId: String should match"),
        (
            {"baseline": {"readOnly": {"principalArns": ["arn:aws:iam::*:role/x"]}}},
            "is not an IAM role ARN",
        ),
    ],
)
def test_bad_values_name_the_key(section: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load(section)
    assert expected in str(raised.value)
