"""Converse responses as Bedrock returns them (the Stubber checks them against the botocore model)."""

from __future__ import annotations

from typing import Any


def usage(input_tokens: int = 100, output_tokens: int = 20) -> dict[str, int]:
    return {
        "inputTokens": input_tokens,
        "outputTokens": output_tokens,
        "totalTokens": input_tokens + output_tokens,
    }


def tool_use(tool_use_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"toolUse": {"toolUseId": tool_use_id, "name": name, "input": arguments}}


def response(
    *blocks: dict[str, Any], stop: str = "tool_use", tokens: tuple[int, int] = (100, 20)
) -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": list(blocks)}},
        "stopReason": stop,
        "usage": usage(*tokens),
        "metrics": {"latencyMs": 12},
    }


def answer(text: str, tokens: tuple[int, int] = (100, 20)) -> dict[str, Any]:
    return response({"text": text}, stop="end_turn", tokens=tokens)
