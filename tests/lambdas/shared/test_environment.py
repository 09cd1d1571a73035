"""Typed environment reads: a missing or malformed variable fails with a named error naming it."""

from __future__ import annotations

import pytest

from shared import environment
from shared.environment import MalformedSetting, MisconfiguredFunction, MissingSetting
from shared.errors import TaskError

NAME = "STEPWISE_TEST_SETTING"


@pytest.fixture(autouse=True)
def _unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(NAME, raising=False)


@pytest.mark.parametrize(
    "read",
    [
        environment.text,
        environment.integer,
        environment.number,
        environment.json_object,
        lambda name: environment.items(name, required=True),
    ],
    ids=["text", "integer", "number", "json_object", "required items"],
)
def test_a_missing_variable_is_a_named_error_naming_it(read) -> None:
    with pytest.raises(MissingSetting, match=f"environment variable {NAME} is not set"):
        read(NAME)


def test_the_errors_are_task_errors_so_a_catch_can_name_them() -> None:
    assert issubclass(MissingSetting, MisconfiguredFunction)
    assert issubclass(MalformedSetting, MisconfiguredFunction)
    assert issubclass(MisconfiguredFunction, TaskError)


def test_defaults_apply_only_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    assert environment.text(NAME, "fallback") == "fallback"
    assert environment.integer(NAME, 86400) == 86400
    assert environment.number(NAME, 2.5) == 2.5
    monkeypatch.setenv(NAME, "")
    assert environment.text(NAME, "fallback") == ""


def test_values_are_parsed_to_their_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "42")
    assert environment.text(NAME) == "42"
    assert environment.integer(NAME) == 42
    assert environment.number(NAME) == 42.0
    monkeypatch.setenv(NAME, '{"gold": {"maxUsers": 5}}')
    assert environment.json_object(NAME) == {"gold": {"maxUsers": 5}}


@pytest.mark.parametrize(
    ("value", "read", "message"),
    [
        ("12x", environment.integer, "is not an integer"),
        ("", environment.integer, "is not an integer"),
        ("fast", environment.number, "is not a number"),
        ("{not json", environment.json_object, "is not JSON"),
        ("[1, 2]", environment.json_object, "is not a JSON object"),
    ],
)
def test_a_malformed_value_is_a_named_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str, read, message: str
) -> None:
    monkeypatch.setenv(NAME, value)
    with pytest.raises(MalformedSetting, match=f"{NAME}.*{message}"):
        read(NAME)


def test_items_split_on_commas_and_drop_blanks(monkeypatch: pytest.MonkeyPatch) -> None:
    assert environment.items(NAME) == ()
    monkeypatch.setenv(NAME, " example.com, ,docs.example.com,")
    assert environment.items(NAME) == ("example.com", "docs.example.com")
    monkeypatch.setenv(NAME, "")
    assert environment.items(NAME, required=True) == ()


def test_choice_accepts_only_the_listed_values(monkeypatch: pytest.MonkeyPatch) -> None:
    assert environment.choice(NAME, {"ledger"}, default="ledger") == "ledger"
    monkeypatch.setenv(NAME, "stripe")
    with pytest.raises(MalformedSetting, match=r"STEPWISE_TEST_SETTING='stripe' is not one of \['ledger'\]"):
        environment.choice(NAME, {"ledger"}, default="ledger")
