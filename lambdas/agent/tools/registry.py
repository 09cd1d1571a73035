"""Every tool the planner may call: its description and the JSON schema of its arguments.

Adding a tool takes one handler module (tools/<name>.py), one entry here, one in
`contract.TOOL_HANDLERS` and the name in the environment's enabled tools.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MAX_QUERY_CHARS = 1000
MAX_TOP_K = 10
MAX_EXPRESSION_CHARS = 200


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    schema: dict[str, Any]

    def spec(self) -> dict[str, Any]:
        """The Converse `toolSpec` of this tool."""
        return {"name": self.name, "description": self.description, "inputSchema": {"json": self.schema}}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


TOOLS: dict[str, Tool] = {
    tool.name: tool
    for tool in (
        Tool(
            "search_knowledge_base",
            "Search the ingested document knowledge base; returns the closest chunks with their source.",
            _object(
                {
                    "query": {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS},
                    "topK": {"type": "integer", "minimum": 1, "maximum": MAX_TOP_K},
                },
                ["query"],
            ),
        ),
        Tool(
            "lookup_order",
            "Read the current status of one order by its id (status, step, last update).",
            _object({"orderId": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}}, ["orderId"]),
        ),
        Tool(
            "fetch_url",
            "Download one HTTPS page from an allow-listed host and return its text.",
            _object({"url": {"type": "string", "pattern": "^https://", "maxLength": 2048}}, ["url"]),
        ),
        Tool(
            "calculator",
            "Evaluate an arithmetic expression: numbers, + - * / // % **, unary minus and parentheses.",
            _object(
                {"expression": {"type": "string", "minLength": 1, "maxLength": MAX_EXPRESSION_CHARS}},
                ["expression"],
            ),
        ),
    )
}


def specs(names: Iterable[str]) -> list[dict[str, Any]]:
    """The Converse tool specs of `names`, in registry order; KeyError for an unknown name."""
    wanted = set(names)
    unknown = wanted - TOOLS.keys()
    if unknown:
        raise KeyError(f"unknown tools: {sorted(unknown)}")
    return [tool.spec() for name, tool in TOOLS.items() if name in wanted]
