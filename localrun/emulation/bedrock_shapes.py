"""Check bedrock-runtime Converse/ApplyGuardrail documents against botocore's service model and the
conversation rules Bedrock enforces on its side (part of the Converse EMULATION, localrun only).

The shapes come from botocore's own model of `bedrock-runtime` (required members, types, unions),
so a scripted response that boto3 could not have returned is refused before a handler sees it.
The service-side rules are the ones Bedrock documents or answers with a ValidationException:
a conversation starts with a user message and alternates roles, `toolConfig` must be defined
when the messages hold toolUse/toolResult blocks, every toolResult answers a toolUse of the
assistant turn just before it, and an error toolResult needs content.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel
from botocore.validate import ParamValidator

SERVICE = "bedrock-runtime"
CONVERSE = "Converse"
APPLY_GUARDRAIL = "ApplyGuardrail"


@cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model(SERVICE)


def operation(name: str) -> OperationModel:
    return service_model().operation_model(name)


def error_codes(name: str) -> frozenset[str]:
    """The error codes botocore's model lists for the operation."""
    return frozenset(shape.name for shape in operation(name).error_shapes)


def shape_problems(document: Mapping[str, Any], name: str, *, output: bool) -> str | None:
    """botocore's report of what in `document` breaks the operation's input or output shape."""
    model = operation(name)
    shape = model.output_shape if output else model.input_shape
    report = ParamValidator().validate(dict(document), shape)
    return report.generate_report() if report.has_errors() else None


def conversation_problems(request: Mapping[str, Any]) -> str | None:
    """The first Converse rule `request` breaks beyond the shape, in Bedrock's words, or None."""
    messages = request.get("messages") or []
    if messages and messages[0].get("role") != "user":
        return (
            "A conversation must start with a user message. Try again with a conversation that "
            "starts with a user message."
        )
    for index in range(1, len(messages)):
        if messages[index].get("role") == messages[index - 1].get("role"):
            return (
                "A conversation must alternate between user and assistant roles. Make sure the "
                "conversation alternates between user and assistant roles and try again."
            )
    uses_tools = any(_blocks(message, "toolUse") or _blocks(message, "toolResult") for message in messages)
    if uses_tools and not request.get("toolConfig"):
        return "The toolConfig field must be defined when using toolUse and toolResult content blocks."
    for index, message in enumerate(messages):
        problem = _tool_result_problem(messages, index, message)
        if problem:
            return problem
    return None


def _tool_result_problem(messages: list[Any], index: int, message: Mapping[str, Any]) -> str | None:
    results = [
        (position, block["toolResult"])
        for position, block in enumerate(message.get("content") or [])
        if isinstance(block, Mapping) and "toolResult" in block
    ]
    if not results:
        return None
    previous = messages[index - 1] if index > 0 else {}
    asked = {block.get("toolUseId") for block in _blocks(previous, "toolUse")}
    if len(results) > len(asked):
        return (
            f"The number of toolResult blocks at messages.{index}.content exceeds the number of "
            "toolUse blocks of previous turn."
        )
    for position, result in results:
        where = f"messages.{index}.content.{position}.toolResult"
        if result.get("toolUseId") not in asked:
            return (
                f"{where}.toolUseId {result.get('toolUseId')!r} does not match any toolUse id of "
                "the previous assistant turn."
            )
        if result.get("status") == "error" and not result.get("content"):
            return f"The content field at {where} cannot be empty when status value is error."
    return None


def _blocks(message: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
    return [
        block[kind] for block in message.get("content") or [] if isinstance(block, Mapping) and kind in block
    ]
