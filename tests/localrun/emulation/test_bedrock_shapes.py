"""Converse/ApplyGuardrail documents checked against botocore's model and Bedrock's conversation rules."""

from __future__ import annotations

import re
from typing import Any

import pytest

from localrun.emulation import bedrock_shapes
from localrun.emulation.bedrock_shapes import APPLY_GUARDRAIL, CONVERSE


def conversation(*messages: dict[str, Any], tools: bool = True) -> dict[str, Any]:
    request: dict[str, Any] = {"modelId": "m", "messages": list(messages)}
    if tools:
        request["toolConfig"] = {"tools": [{"toolSpec": {"name": "calc", "inputSchema": {"json": {}}}}]}
    return request


def user(*content: dict[str, Any]) -> dict[str, Any]:
    return {"role": "user", "content": list(content)}


def assistant(*content: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": list(content)}


def use(tool_use_id: str) -> dict[str, Any]:
    return {"toolUse": {"toolUseId": tool_use_id, "name": "calc", "input": {}}}


def result(tool_use_id: str, status: str = "success", content: list[Any] | None = None) -> dict[str, Any]:
    block = {
        "toolUseId": tool_use_id,
        "status": status,
        "content": [{"text": "4"}] if content is None else content,
    }
    return {"toolResult": block}


def test_a_well_formed_tool_round_breaks_no_rule() -> None:
    request = conversation(
        user({"text": "2+2?"}), assistant(use("a"), use("b")), user(result("a"), result("b", "error"))
    )

    assert bedrock_shapes.shape_problems(request, CONVERSE, output=False) is None
    assert bedrock_shapes.conversation_problems(request) is None


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        (conversation(assistant({"text": "hi"})), "must start with a user message"),
        (conversation(user({"text": "a"}), user({"text": "b"})), "must alternate between user and assistant"),
        (
            conversation(user({"text": "a"}), assistant(use("a")), user(result("a")), tools=False),
            "toolConfig field must be defined",
        ),
        (
            conversation(user({"text": "a"}), assistant(use("a")), user(result("a"), result("b"))),
            "number of toolResult blocks at messages.2.content exceeds",
        ),
        (
            conversation(user({"text": "a"}), assistant(use("a")), user({"text": "see"}, result("z"))),
            r"messages.2.content.1.toolResult.toolUseId 'z' does not match",
        ),
        (
            conversation(user({"text": "a"}), assistant(use("a")), user(result("a", "error", []))),
            "content field at messages.2.content.0.toolResult cannot be empty when status value is error",
        ),
    ],
    ids=[
        "assistant-first",
        "same-role-twice",
        "no-tool-config",
        "more-results-than-uses",
        "unknown-id",
        "empty-error",
    ],
)
def test_each_conversation_rule_is_named_in_bedrocks_words(
    request_body: dict[str, Any], message: str
) -> None:
    problem = bedrock_shapes.conversation_problems(request_body)

    assert problem is not None and re.search(message, problem), problem


def test_shapes_come_from_botocores_model() -> None:
    assert "Missing required parameter" in (bedrock_shapes.shape_problems({}, CONVERSE, output=False) or "")
    guardrail = {"guardrailIdentifier": "g", "guardrailVersion": "1", "source": "INPUT", "content": "x"}
    assert "Invalid type" in (bedrock_shapes.shape_problems(guardrail, APPLY_GUARDRAIL, output=False) or "")
    assert {"ThrottlingException", "ValidationException"} <= bedrock_shapes.error_codes(CONVERSE)
