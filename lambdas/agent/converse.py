"""Bedrock Converse calls of the agent: the request from configuration, the answer as a `Turn`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from agent import contract, settings
from agent.errors import ModelUnavailable
from shared import clients, environment

# Bedrock runtime errors worth retrying (the Converse API reference's throttling and server faults).
TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "ServiceUnavailableException",
        "InternalServerException",
        "ModelTimeoutException",
        "ModelNotReadyException",
    }
)


@dataclass(frozen=True)
class Turn:
    """The model's message, why it stopped, its token usage, and the tool calls it asked for."""

    message: dict[str, Any]
    stop_reason: str
    usage: dict[str, Any]
    tool_uses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(block["text"] for block in self.message.get("content", []) if "text" in block)


def request(messages: Sequence[dict[str, Any]], tool_specs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The Converse request: model, inference settings and system prompt from configuration; tool
    results travel in `messages` as toolResult blocks, never in the system prompt."""
    body: dict[str, Any] = {
        "modelId": environment.text(contract.MODEL_ID_ENV),
        "messages": list(messages),
        "system": [{"text": environment.text(contract.SYSTEM_PROMPT_ENV)}],
        "inferenceConfig": settings.inference_config(),
    }
    if tool_specs:
        body["toolConfig"] = {"tools": [{"toolSpec": spec} for spec in tool_specs]}
    return body


def converse(messages: Sequence[dict[str, Any]], tool_specs: Sequence[dict[str, Any]]) -> Turn:
    """One Converse call; throttling and Bedrock-side faults raise `ModelUnavailable` (retried)."""
    try:
        response = clients.client("bedrock-runtime", clients.ADAPTIVE).converse(
            **request(messages, tool_specs)
        )
    except ClientError as error:
        code = clients.error_code(error)
        if code in TRANSIENT_CODES:
            raise ModelUnavailable(f"Bedrock Converse failed: {code}") from None
        raise
    except BotoCoreError as error:
        raise ModelUnavailable(f"Bedrock Converse unreachable: {error}") from None
    message = response["output"]["message"]
    uses = [block["toolUse"] for block in message.get("content", []) if "toolUse" in block]
    return Turn(message, response["stopReason"], dict(response.get("usage", {})), uses)
