"""Turn the model's tool calls into a checked plan: one corrective turn for invalid calls, then
`InvalidPlan`; every model call charged to the run's usage and checked against its limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema

from agent import budget, conversation, converse, request_store, settings
from agent.errors import BudgetExceeded, GuardrailBlocked, InvalidPlan
from agent.tools import registry

BLOCKED_STOPS = frozenset({"guardrail_intervened", "content_filtered"})
NOT_RUN = "not run: another call of this plan was invalid; send the corrected plan"


@dataclass(frozen=True)
class Outcome:
    """What a planning step leaves: the calls to run (none when the model answered), its answer
    text, and the usage so far."""

    calls: list[dict[str, Any]]
    answer: str
    usage: dict[str, Any]

    @property
    def done(self) -> bool:
        return not self.calls


def problems(tool_uses: Sequence[Mapping[str, Any]], tools: Sequence[str]) -> dict[str, str]:
    """toolUseId -> what is wrong with that call (unknown or not allowed tool, arguments off schema)."""
    found: dict[str, str] = {}
    for use in tool_uses:
        name = use.get("name")
        if name not in tools or name not in registry.TOOLS:
            found[use["toolUseId"]] = f"unknown tool {name!r}; the tools are {sorted(tools)}"
            continue
        try:
            jsonschema.validate(use.get("input"), registry.TOOLS[name].schema)
        except jsonschema.ValidationError as error:
            where = "/".join(str(part) for part in error.absolute_path) or "input"
            found[use["toolUseId"]] = f"invalid arguments for {name} at {where}: {error.message}"
    return found


def refuse_cut_off(stop_reason: str) -> None:
    """An answer the model did not finish is never used: `BudgetExceeded` when it ran out of
    output tokens, `GuardrailBlocked` when a guardrail or content filter stopped it."""
    if stop_reason == "max_tokens":
        raise BudgetExceeded("inference maxTokens: the model's turn was cut off at its output limit")
    if stop_reason in BLOCKED_STOPS:
        raise GuardrailBlocked(f"the model's turn was stopped: {stop_reason}")


def corrections(tool_uses: Sequence[Mapping[str, Any]], found: Mapping[str, str]) -> dict[str, Any]:
    """The user turn answering every toolUse: an error naming the problem, or NOT_RUN."""
    return {
        "role": "user",
        "content": [
            {
                "toolResult": {
                    "toolUseId": use["toolUseId"],
                    "content": [{"text": found.get(use["toolUseId"], NOT_RUN)}],
                    "status": "error",
                }
            }
            for use in tool_uses
        ],
    }


def step(
    request_id: str,
    messages: list[dict[str, Any]],
    tools: Sequence[str],
    limits: Mapping[str, Any],
    usage: Mapping[str, Any],
) -> Outcome:
    """Ask the model for its next move given `messages`; the conversation is saved once the move is
    valid (a retried task then starts from the same messages), usage after every model call."""
    specs = registry.specs(tools)
    prices = settings.prices()
    corrections_left = settings.plan_corrections()
    spent = dict(usage)
    while True:
        turn = converse.converse(messages, specs)
        messages.append(turn.message)
        spent = budget.charge(spent, turn.usage, prices)
        billed = request_store.save_call(request_id, spent, budget.priced(turn.usage, prices))
        budget.enforce(budget.at_least(spent, billed), limits)
        refuse_cut_off(turn.stop_reason)
        if not turn.tool_uses:
            conversation.save(request_id, messages)
            return Outcome([], turn.text, spent)
        if len(turn.tool_uses) > limits["maxToolCallsPerRound"]:
            raise InvalidPlan(
                f"the model planned {len(turn.tool_uses)} calls, maxToolCallsPerRound is "
                f"{limits['maxToolCallsPerRound']}"
            )
        found = problems(turn.tool_uses, tools)
        if not found:
            conversation.save(request_id, messages)
            calls = [
                {"toolUseId": u["toolUseId"], "name": u["name"], "input": u["input"]} for u in turn.tool_uses
            ]
            return Outcome(calls, turn.text, spent)
        if corrections_left == 0:
            first = next(iter(found.values()))
            raise InvalidPlan(f"still invalid after {settings.plan_corrections()} correction(s): {first}")
        corrections_left -= 1
        messages.append(corrections(turn.tool_uses, found))
