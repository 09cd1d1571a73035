import pytest

from stacks.application import project_context
from stacks.config import WORKFLOW_KEYS, ConfigError, load_environment
from tests.support.environments import environment_names

ENVIRONMENTS = project_context()["environments"]


def test_every_environment_is_valid():
    for name in environment_names():
        assert load_environment(ENVIRONMENTS, name).name == name


def test_unknown_environment_lists_the_allowed_ones():
    with pytest.raises(ConfigError) as raised:
        load_environment(ENVIRONMENTS, "nope")
    assert str(raised.value) == (
        f"unknown environment 'nope' (-c env=...): allowed values are {', '.join(environment_names())}"
    )


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"logRetentionDays": 4}, "environments.dev.logRetentionDays: must be one of 1, 3, 5, 7"),
        ({"removalPolicy": "keep"}, "environments.dev.removalPolicy: Input should be 'destroy' or"),
        ({"account": "12ab"}, "environments.dev.account: String should match pattern"),
        ({"alarmEmail": "not-an-address"}, "environments.dev.alarmEmail: String should match"),
        ({"region": "Europe"}, "environments.dev.region: String should match pattern"),
        ({"logRetentionDay": 14}, "environments.dev.logRetentionDay: unknown key"),
    ],
)
def test_bad_values_name_the_key(override, expected):
    environments = {"dev": {**ENVIRONMENTS["dev"], **override}}
    with pytest.raises(ConfigError) as raised:
        load_environment(environments, "dev")
    message = str(raised.value)
    assert message.startswith(expected)
    assert "\n" not in message


def test_environment_must_be_an_object():
    with pytest.raises(ConfigError, match=r"environments\.dev: must be an object"):
        load_environment({"dev": "yes"}, "dev")


def test_missing_environments_block():
    with pytest.raises(ConfigError, match="'environments' is missing"):
        load_environment(None, "dev")


def test_config_is_immutable():
    config = load_environment(ENVIRONMENTS, "dev")
    with pytest.raises(ValueError):
        config.log_retention_days = 1  # type: ignore[misc]


def test_shipped_environments_choose_their_workflows_and_only_dev_is_a_sandbox():
    for name in ("dev", "staging", "prod"):
        config = load_environment(ENVIRONMENTS, name)
        assert config.workflows == WORKFLOW_KEYS
        assert config.sandbox is (name == "dev")


def test_an_environment_without_workflows_deploys_every_workflow_and_is_no_sandbox():
    config = load_environment({"qa": {}}, "qa")
    assert config.workflows == WORKFLOW_KEYS
    assert config.sandbox is False


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            {"workflows": ["orders", "billing"]},
            "environments.dev.workflows: unknown workflow 'billing': allowed values are agent, cv, orders, "
            "rag, tenants (got ['orders', 'billing'])",
        ),
        ({"workflows": ["rag", "rag"]}, "environments.dev.workflows: each workflow at most once"),
        ({"workflows": []}, "environments.dev.workflows: needs at least one workflow of agent, cv, orders"),
        ({"workflows": "orders"}, "environments.dev.workflows: Input should be a valid tuple"),
        ({"sandbox": "yes"}, "environments.dev.sandbox: Input should be a valid boolean (got 'yes')"),
    ],
)
def test_bad_workflows_or_sandbox_name_the_key(override, expected):
    with pytest.raises(ConfigError) as raised:
        load_environment({"dev": {**ENVIRONMENTS["dev"], **override}}, "dev")
    assert str(raised.value).startswith(expected)


@pytest.mark.parametrize(
    ("logging", "expected"),
    [
        ({"level": "DEBUG"}, "environments.dev.executionLogging.level: Input should be 'ALL', 'ERROR'"),
        (
            {"level": "OFF", "includeExecutionData": True},
            "environments.dev.executionLogging: includeExecutionData needs",
        ),
        ({"includeData": True}, "environments.dev.executionLogging.includeData: unknown key"),
    ],
)
def test_bad_execution_logging_names_the_key(logging, expected):
    environments = {"dev": {**ENVIRONMENTS["dev"], "executionLogging": logging}}
    with pytest.raises(ConfigError) as raised:
        load_environment(environments, "dev")
    assert str(raised.value).startswith(expected)


def test_execution_logging_defaults_to_failures_without_data():
    environments = {
        "qa": {key: value for key, value in ENVIRONMENTS["dev"].items() if key != "executionLogging"}
    }
    logging = load_environment(environments, "qa").execution_logging
    assert (logging.level, logging.include_execution_data) == ("ERROR", False)
