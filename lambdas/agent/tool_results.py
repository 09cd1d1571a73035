"""The user turn that hands the tools' results back to the model, as toolResult blocks (data, never
instructions: nothing of a result goes into the system prompt)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agent.errors import InvalidRequest
from shared import s3io

MISSING = "no result: the call did not report back"


def pending_uses(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The toolUse blocks of the last message when it is the model's and asked for tools."""
    if not messages or messages[-1].get("role") != "assistant":
        return []
    return [block["toolUse"] for block in messages[-1].get("content", []) if "toolUse" in block]


def result_turn(
    uses: Sequence[Mapping[str, Any]], results: Sequence[Mapping[str, Any]], s3: Any, bucket: str
) -> dict[str, Any]:
    """One user message answering every toolUse: the stored JSON of a success, an error text for a
    failed or skipped call (status "error")."""
    by_id = {result.get("toolUseId"): result for result in results if isinstance(result, Mapping)}
    unknown = sorted(set(by_id) - {use["toolUseId"] for use in uses})
    if unknown:
        raise InvalidRequest(f"results: {unknown[0]!r} answers no planned call")
    return {
        "role": "user",
        "content": [_block(use["toolUseId"], by_id.get(use["toolUseId"]), s3, bucket) for use in uses],
    }


def _block(tool_use_id: str, result: Mapping[str, Any] | None, s3: Any, bucket: str) -> dict[str, Any]:
    if result is not None and result.get("status") == "success":
        document = s3io.get_json(s3, bucket, str(result["resultKey"]))
        content = document if isinstance(document, dict) else {"result": document}
        return {"toolResult": {"toolUseId": tool_use_id, "content": [{"json": content}], "status": "success"}}
    return {
        "toolResult": {"toolUseId": tool_use_id, "content": [{"text": _failure(result)}], "status": "error"}
    }


def _failure(result: Mapping[str, Any] | None) -> str:
    if result is None:
        return MISSING
    if result.get("status") == "skipped":
        return f"skipped: {result.get('reason', 'circuit open')}"
    return f"failed: {result.get('error', 'ToolFailed')}: {result.get('cause', '')}".strip()


def succeeded(messages: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """toolUseId -> tool name of every call whose result reached the model as a success."""
    names = {
        block["toolUse"]["toolUseId"]: block["toolUse"]["name"]
        for message in messages
        if message.get("role") == "assistant"
        for block in message.get("content", [])
        if "toolUse" in block
    }
    return {
        block["toolResult"]["toolUseId"]: names.get(block["toolResult"]["toolUseId"], "?")
        for message in messages
        if message.get("role") == "user"
        for block in message.get("content", [])
        if "toolResult" in block and block["toolResult"].get("status") == "success"
    }


def answered(messages: Sequence[Mapping[str, Any]]) -> set[str]:
    """The toolUseIds the conversation already holds a toolResult for (success or error)."""
    return {
        block["toolResult"]["toolUseId"]
        for message in messages
        if message.get("role") == "user"
        for block in message.get("content", [])
        if "toolResult" in block
    }
