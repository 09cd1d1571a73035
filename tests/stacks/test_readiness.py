"""Readiness: every placeholder or allow-everything setting is named, and blocks a non-sandbox deploy."""

from __future__ import annotations

import pytest

from stacks.config import ConfigError, EnvironmentConfig, load_environment
from stacks.cv.settings import CvSettings
from stacks.orders.settings import OrdersSettings
from stacks.rag.settings import RagSettings
from stacks.readiness import ensure_deployable, refusal_message
from stacks.settings import ReadinessProblem
from stacks.tenants.settings import TenantSettings
from tests.support.environments import (
    COMPLETE_SETTINGS,
    SHIPPED_PROD_PROBLEMS,
    complete_environments,
    shipped_environments,
    with_environment,
)


def keys(problems: list[ReadinessProblem]) -> list[str]:
    return [problem.key for problem in problems]


def test_tenant_defaults_allow_any_root_email_and_hold_placeholder_ous_and_organization():
    problems = TenantSettings().readiness_problems()
    assert keys(problems) == [
        "organizationId",
        "allowedOuIds",
        "allowedEmailDomains",
        "quarantineOuId",
        "suspendedOuId",
    ]
    reasons = {problem.key: problem.reason for problem in problems}
    assert "'o-stpwplaceholder'" in reasons["organizationId"]
    assert "ou-stpw-tenants01" in reasons["allowedOuIds"]
    assert "take root" in reasons["allowedEmailDomains"]
    assert "'ou-stpw-quarantine'" in reasons["quarantineOuId"]
    assert "retirement" in reasons["suspendedOuId"]


def test_tenant_settings_are_ready_once_every_key_is_set():
    assert TenantSettings.model_validate(COMPLETE_SETTINGS["tenants"]).readiness_problems() == []


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ({"allowedOuIds": ["ou-stpw-tenants01"]}, "allowedOuIds"),
        ({"organizationId": "o-stpwsomething"}, "organizationId"),
        ({"allowedEmailDomains": []}, "allowedEmailDomains"),
        ({"quarantineOuId": "ou-stpw-elsewhere"}, "quarantineOuId"),
        ({"suspendedOuId": "ou-stpw-retired1"}, "suspendedOuId"),
    ],
)
def test_each_tenant_key_is_named_alone(override, key):
    settings = TenantSettings.model_validate({**COMPLETE_SETTINGS["tenants"], **override})
    assert keys(settings.readiness_problems()) == [key]


def test_orders_without_an_approver_is_not_ready():
    problems = OrdersSettings().readiness_problems()
    assert keys(problems) == ["approverEmail", "approverPrincipals", "operatorPrincipals"]
    assert "nobody reads" in problems[0].reason
    assert "trusts the whole account" in problems[1].reason
    assert OrdersSettings.model_validate(COMPLETE_SETTINGS["orders"]).readiness_problems() == []


@pytest.mark.parametrize("key", ["approverPrincipals", "operatorPrincipals"])
@pytest.mark.parametrize("arn", ["*", "arn:aws:iam::111111111111:root", "arn:aws:iam::*:role/x", "alice"])
def test_approver_and_operator_principals_are_role_or_user_arns(key, arn):
    with pytest.raises(ValueError, match="is not an IAM role or user ARN"):
        OrdersSettings.model_validate({key: [arn]})


def test_cv_without_a_work_team_arn_is_not_ready():
    problems = CvSettings().readiness_problems()
    assert keys(problems) == ["labeling.workteamArn"]
    assert "'stepwise-cv-safety'" in problems[0].reason
    assert CvSettings.model_validate(COMPLETE_SETTINGS["cv"]).readiness_problems() == []


def test_rag_defaults_are_ready_because_no_allowed_domains_refuses_every_url():
    assert RagSettings().allowed_domains == ()
    assert RagSettings().readiness_problems() == []


def test_environment_level_keys():
    config = EnvironmentConfig(name="x", workflows=("rag",))
    assert keys(config.readiness_problems()) == ["account", "region", "alarmEmail"]
    assert "nobody is subscribed" in config.readiness_problems()[2].reason


def test_execution_data_in_the_logs_is_for_sandboxes_only():
    config = EnvironmentConfig(
        name="x", workflows=("rag",), executionLogging={"level": "ALL", "includeExecutionData": True}
    )
    assert keys(config.readiness_problems())[-1] == "executionLogging.includeExecutionData"
    assert "payment tokens" in config.readiness_problems()[-1].reason
    assert load_environment(shipped_environments(), "dev").execution_logging.include_execution_data


def test_the_shipped_prod_lacks_every_readiness_key():
    config = load_environment(shipped_environments(), "prod")
    assert keys(config.readiness_problems()) == SHIPPED_PROD_PROBLEMS


def test_only_the_chosen_workflows_are_checked():
    config = load_environment(shipped_environments(), "prod")
    assert keys(config.readiness_problems(["orders", "rag"])) == [
        "account",
        "region",
        "alarmEmail",
        "orders.approverEmail",
        "orders.approverPrincipals",
        "orders.operatorPrincipals",
    ]
    narrowed = load_environment(with_environment("prod", workflows=["rag"]), "prod")
    assert keys(narrowed.readiness_problems()) == ["account", "region", "alarmEmail"]


def test_a_complete_environment_is_deployable():
    config = load_environment(complete_environments(), "prod")
    assert config.readiness_problems() == []
    ensure_deployable(config)


def test_a_non_sandbox_environment_is_refused_naming_every_key_in_one_message():
    config = load_environment(shipped_environments(), "prod")
    with pytest.raises(ConfigError) as raised:
        ensure_deployable(config)
    headline, *lines = str(raised.value).splitlines()
    assert headline.startswith("environment 'prod' is not a sandbox and 14 of its settings")
    assert "environments.prod" in headline
    assert [line.split(":", 1)[0].strip() for line in lines] == SHIPPED_PROD_PROBLEMS


def test_a_sandbox_may_keep_placeholders():
    config = load_environment(shipped_environments(), "dev")
    assert config.sandbox
    assert config.readiness_problems()
    ensure_deployable(config)


def test_refusal_message_lists_one_key_per_line():
    message = refusal_message("qa", [ReadinessProblem("a.b", "why"), ReadinessProblem("c", "because")])
    assert message.splitlines()[1:] == ["  a.b: why", "  c: because"]
