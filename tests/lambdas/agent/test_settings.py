"""The handlers' settings: a malformed variable is a named deployment error."""

from __future__ import annotations

import pytest
from agent import settings

from shared.environment import MalformedSetting, MissingSetting


def test_limits_and_breaker_rules_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AGENT_LIMITS",
        '{"maxRounds": 3, "maxTokens": 9, "maxCostUsd": 0.5, "maxRevisions": 1, "maxToolCallsPerRound": 5}',
    )
    monkeypatch.setenv(
        "CIRCUIT_BREAKER",
        '{"failureThreshold": 3, "windowSeconds": 300, "coolDownSeconds": 120, "maxWaitSeconds": 30}',
    )
    assert settings.limits()["maxCostUsd"] == 0.5
    assert settings.breaker().probe_timeout_seconds == settings.DEFAULT_PROBE_TIMEOUT_SECONDS


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        ('{"maxRounds": 3}', MalformedSetting, "AGENT_LIMITS: maxTokens"),
        (
            '{"maxRounds": "3", "maxTokens": 1, "maxCostUsd": 1, "maxRevisions": 1, '
            '"maxToolCallsPerRound": 1}',
            MalformedSetting,
            "maxRounds",
        ),
        ("[1]", MalformedSetting, "not a JSON object"),
        (None, MissingSetting, "AGENT_LIMITS is not set"),
    ],
)
def test_a_bad_limits_variable_names_itself(
    monkeypatch: pytest.MonkeyPatch, value: str | None, error: type[Exception], match: str
) -> None:
    if value is None:
        monkeypatch.delenv("AGENT_LIMITS", raising=False)
    else:
        monkeypatch.setenv("AGENT_LIMITS", value)
    with pytest.raises(error, match=match):
        settings.limits()
