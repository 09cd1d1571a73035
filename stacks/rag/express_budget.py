"""The worst case of one Express child (a batch of documents), read from its rendered definition.

An Express execution stops at 5 minutes, taking every document still in flight with it. The child
runs its batch through an inline Map of at most `MaxConcurrency` documents at once, so it lasts at
most ceil(documents / MaxConcurrency) rounds of the longest document path. A document's path is
the longest chain of states from the processor's start, following `Next`, `Choices`, `Default`
and `Catch`. A Task costs what its Retry lets it take: every attempt running to its
`TimeoutSeconds` (1 + the `MaxAttempts` of each retrier, as each retrier counts separately), plus
each retry's wait, `IntervalSeconds x BackoffRate^n` capped at `MaxDelaySeconds` (full jitter
only shortens it). ASL's defaults apply where a field is absent (3 attempts, 1 s, rate 2.0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

EXPRESS_LIMIT_SECONDS = 300
# Left for what the definition does not bound: starting the child, state transitions, Map set-up.
MARGIN_SECONDS = 30
BUDGET_SECONDS = EXPRESS_LIMIT_SECONDS - MARGIN_SECONDS
_FREE_STATES = frozenset({"Pass", "Choice", "Succeed", "Fail"})


class UnboundedState(ValueError):
    """A state of the child has no bounded duration (a Task without TimeoutSeconds, a nested Map)."""


@dataclass(frozen=True)
class StateCost:
    name: str
    seconds: float


@dataclass(frozen=True)
class BatchWorstCase:
    """The longest a child with `documents` documents can run, and the document path behind it."""

    documents: int
    concurrency: int
    path: tuple[StateCost, ...]

    @property
    def rounds(self) -> int:
        return math.ceil(self.documents / self.concurrency)

    @property
    def document_seconds(self) -> float:
        return sum(step.seconds for step in self.path)

    @property
    def seconds(self) -> float:
        return self.rounds * self.document_seconds

    @property
    def fits(self) -> bool:
        return self.seconds <= BUDGET_SECONDS

    def describe(self) -> str:
        steps = ", ".join(f"{step.name} {step.seconds:g} s" for step in self.path if step.seconds)
        return (
            f"{self.rounds} round(s) of {self.concurrency} of {self.documents} documents x "
            f"{self.document_seconds:g} s per document ({steps}) = {self.seconds:g} s"
        )


def retry_seconds(retrier: Mapping[str, Any]) -> tuple[int, float]:
    """(retries, total wait) one retrier allows."""
    attempts = int(retrier.get("MaxAttempts", 3))
    interval = float(retrier.get("IntervalSeconds", 1))
    rate = float(retrier.get("BackoffRate", 2.0))
    cap = retrier.get("MaxDelaySeconds")
    waits = (interval * rate**retry for retry in range(attempts))
    return attempts, sum(min(wait, float(cap)) if cap is not None else wait for wait in waits)


def state_seconds(name: str, state: Mapping[str, Any]) -> float:
    """The longest one state can take, retries included."""
    kind = state["Type"]
    if kind in _FREE_STATES:
        return 0.0
    if kind == "Wait" and "Seconds" in state:
        return float(state["Seconds"])
    if kind != "Task":
        raise UnboundedState(f"state {name!r} ({kind}) has no duration the budget can bound")
    if "TimeoutSeconds" not in state:
        raise UnboundedState(f"task {name!r} has no TimeoutSeconds")
    timeout = float(state["TimeoutSeconds"])
    attempts, waits = 1, 0.0
    for retrier in state.get("Retry", ()):
        retries, wait = retry_seconds(retrier)
        attempts += retries
        waits += wait
    return attempts * timeout + waits


def _successors(state: Mapping[str, Any]) -> list[str]:
    names = [state["Next"]] if "Next" in state else []
    names += [choice["Next"] for choice in state.get("Choices", ())]
    names += [state["Default"]] if "Default" in state else []
    names += [catcher["Next"] for catcher in state.get("Catch", ())]
    return names


def longest_path(states: Mapping[str, Mapping[str, Any]], start: str) -> tuple[StateCost, ...]:
    """The costliest chain of states from `start` (the processor's graph has no cycles)."""
    memo: dict[str, tuple[StateCost, ...]] = {}

    def walk(name: str, seen: frozenset[str]) -> tuple[StateCost, ...]:
        if name in seen:
            raise UnboundedState(f"state {name!r} is on a loop: the budget cannot bound it")
        if name not in memo:
            own = StateCost(name, state_seconds(name, states[name]))
            tails = [walk(after, seen | {name}) for after in _successors(states[name])]
            longest = max(tails, key=lambda tail: sum(step.seconds for step in tail), default=())
            memo[name] = (own, *longest)
        return memo[name]

    return walk(start, frozenset())


def batch_worst_case(map_state: Mapping[str, Any], documents: int) -> BatchWorstCase:
    """The worst case of an inline Map state running `documents` items."""
    processor = map_state.get("ItemProcessor") or map_state["Iterator"]
    concurrency = int(map_state.get("MaxConcurrency", 0)) or documents
    path = longest_path(processor["States"], processor["StartAt"])
    return BatchWorstCase(documents=documents, concurrency=min(concurrency, documents), path=path)
