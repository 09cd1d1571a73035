"""The agent harness's per-cell Bedrock scripts: a lost response's retry is answered again, error
turns are not, a permanent fault frees the tool statuses, and a run keeps the script's class."""

from __future__ import annotations

from typing import Any

import pytest

from localrun.emulation.converse import BedrockRequestError, BedrockScript
from localrun.runner import _script
from tests.resilience.worlds import ReplayingScript, without_tool_statuses

MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"


def ask(text: str) -> dict[str, Any]:
    return {"modelId": MODEL, "messages": [{"role": "user", "content": [{"text": text}]}]}


def turn(text: str, expect: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "expect": expect or {"lastUserText": {"contains": text}},
        "response": {
            "output": {"message": {"role": "assistant", "content": [{"text": f"re: {text}"}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 3, "outputTokens": 2},
        },
    }


def test_the_same_request_again_gets_the_same_turn_and_a_new_one_the_next() -> None:
    script = ReplayingScript.load({"converse": [turn("plan"), turn("answer")]}, label="cell")
    first = script.take("converse", ask("plan"))
    assert script.take("converse", ask("plan")) is first
    assert script.take("converse", ask("answer")).index == 1
    assert script.problems() == []


def test_an_error_turn_is_not_replayed() -> None:
    throttled = {"expect": {}, "error": {"code": "ThrottlingException"}}
    script = ReplayingScript.load({"converse": [throttled, turn("plan")]}, label="cell")
    with pytest.raises(BedrockRequestError):
        script.take("converse", ask("plan")).answer()
    assert script.take("converse", ask("plan")).index == 1


def test_a_plain_script_still_refuses_a_repeated_request() -> None:
    script = BedrockScript.load({"converse": [turn("plan")]}, label="sample")
    script.take("converse", ask("plan"))
    with pytest.raises(BedrockRequestError, match="has no scripted turn"):
        script.take("converse", ask("plan"))


def test_a_runs_fresh_copy_keeps_the_scripts_class() -> None:
    script = ReplayingScript.load({"converse": [turn("plan")]}, label="cell")
    copy = _script(script, "execution-1")
    assert isinstance(copy, ReplayingScript) and copy is not script


def test_a_permanent_fault_frees_only_the_tool_statuses() -> None:
    statuses = {"toolResults": {"t-1": "success"}, "messages": 3}
    relaxed = without_tool_statuses({"converse": [turn("x", statuses)], "guardrail": []})
    assert relaxed["converse"][0]["expect"] == {"messages": 3}
    assert relaxed["guardrail"] == []
