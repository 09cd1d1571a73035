"""Aggregate task: hand the tools' results (or the reviewer's feedback) to the model and take its
answer as the draft, or its request for another round of tools as the next `$.plan`.

Input: the run state with `results` (the ToolCalls Map's output) after tools ran, or with
`review = {decision: "reject", feedback}` and a `revision` above the last draft's (Revise).
Output: the run state with `plan` (`done` false: run the calls; true: `draft = {key, revision,
citations}` is stored) and `usage` updated. A further round past `maxRounds` is `BudgetExceeded`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agent import contract, conversation, planning, request_store, runstate, tool_results
from agent.errors import BudgetExceeded, InvalidRequest
from shared import clients, environment, s3io
from shared.task import logger, task_handler

CITATION = re.compile(r"\[([A-Za-z0-9_.:-]{1,128})\]")
FEEDBACK = "A reviewer rejected the draft. Revise it following this feedback:\n{feedback}"


def citations(answer: str, available: Mapping[str, str]) -> list[str]:
    """The `[toolUseId]` references of the answer that name a result the model actually received."""
    seen: list[str] = []
    for match in CITATION.finditer(answer):
        if match.group(1) in available and match.group(1) not in seen:
            seen.append(match.group(1))
    return seen


def feedback_turns(messages: Sequence[Mapping[str, Any]]) -> int:
    """How many reviewer feedback turns the conversation holds (one per revision asked for)."""
    prefix = FEEDBACK.split("{", 1)[0]
    return sum(
        1
        for message in messages
        if message.get("role") == "user"
        and any(str(block.get("text", "")).startswith(prefix) for block in message.get("content", []))
    )


def next_turn(
    state: Mapping[str, Any], messages: list[dict[str, Any]], revision: int
) -> dict[str, Any] | None:
    """The user turn to send: tool results, or the reviewer's feedback; None when the last message
    is already the model's answer (Plan answered without tools, or a retried Revise finds its answer)."""
    uses = tool_results.pending_uses(messages)
    if uses:
        results = state.get("results")
        if not isinstance(results, list):
            raise InvalidRequest("results: required list of tool results")
        bucket = environment.text(contract.RUNS_BUCKET_ENV)
        return tool_results.result_turn(uses, results, clients.client("s3"), bucket)
    review = state.get("review")
    drafted = (state.get("draft") or {}).get("revision")
    # A retried Revise (its response was lost) finds its feedback already answered in the conversation.
    asked = feedback_turns(messages) >= revision
    if isinstance(review, dict) and review.get("decision") == "reject" and drafted != revision and not asked:
        feedback = str(review.get("feedback") or "no feedback given")
        return {"role": "user", "content": [{"text": FEEDBACK.format(feedback=feedback)}]}
    return None


def store_draft(run: runstate.Run, answer: str, messages: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    available = tool_results.succeeded(messages)
    cited = citations(answer, available)
    key = contract.draft_key(run.request_id, run.revision)
    document = {
        "requestId": run.request_id,
        "revision": run.revision,
        "answer": answer,
        "citations": [{"toolUseId": use_id, "tool": available[use_id]} for use_id in cited],
    }
    s3io.put_json(clients.client("s3"), environment.text(contract.RUNS_BUCKET_ENV), key, document)
    return {"key": key, "revision": run.revision, "citations": cited}


def planned_already(results: Any, messages: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a retried Aggregate (its response was lost) finds the results it was given already
    answered in the conversation, and the model's next round of calls after them."""
    if not isinstance(results, list) or not results or not tool_results.pending_uses(messages):
        return False
    answered = tool_results.answered(messages)
    return all(isinstance(r, Mapping) and r.get("toolUseId") in answered for r in results)


def next_round(
    event_input: Mapping[str, Any],
    run: runstate.Run,
    uses: Sequence[Mapping[str, Any]],
    usage: Mapping[str, Any],
) -> dict[str, Any]:
    """The run state with the model's further calls as `$.plan`; `BudgetExceeded` past maxRounds."""
    rounds = int(usage.get("rounds", 0)) + 1
    if rounds > run.limits["maxRounds"]:
        request_store.save_usage(run.request_id, usage)
        raise BudgetExceeded(
            f"maxRounds: the model asked for round {rounds}, the limit is {run.limits['maxRounds']}"
        )
    calls = [{"toolUseId": u["toolUseId"], "name": u["name"], "input": u["input"]} for u in uses]
    state = {key: value for key, value in event_input.items() if key not in ("results", "review")}
    return runstate.with_plan(state, planning.Outcome(calls, "", {**usage, "rounds": rounds}))


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Feed results or feedback to the model; return the next plan or the stored draft."""
    run = runstate.parse(event_input)
    logger.append_keys(request_id=run.request_id)
    messages = conversation.load(run.request_id)
    usage = dict(run.usage)
    if planned_already(event_input.get("results"), messages):
        usage["toolCalls"] = int(usage.get("toolCalls", 0)) + len(event_input["results"])
        return next_round(event_input, run, tool_results.pending_uses(messages), usage)
    turn = next_turn(event_input, messages, run.revision)
    if turn is None:
        answer = "\n".join(block["text"] for block in messages[-1].get("content", []) if "text" in block)
    else:
        if tool_results.pending_uses(messages):
            usage["toolCalls"] = int(usage.get("toolCalls", 0)) + len(tool_results.pending_uses(messages))
        messages.append(turn)
        outcome = planning.step(run.request_id, messages, run.tools, run.limits, usage)
        usage = outcome.usage
        if not outcome.done:
            return next_round(event_input, run, outcome.calls, usage)
        answer = outcome.answer
    draft = store_draft(run, answer, messages)
    logger.info("drafted", extra={"revision": run.revision, "citations": len(draft["citations"])})
    state = {key: value for key, value in event_input.items() if key not in ("results", "review")}
    return {**state, "plan": {"calls": [], "done": True}, "draft": draft, "usage": usage}
