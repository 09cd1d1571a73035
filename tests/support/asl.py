"""Walk an Amazon States Language document: every state, including Parallel branches and Map processors."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

CALLBACK_SUFFIX = ".waitForTaskToken"
_LAMBDA_INTEGRATION = re.compile(r"^arn:aws[\w-]*:states:::(lambda:invoke|aws-sdk:lambda:invoke)(\.\w+)?$")
_LAMBDA_FUNCTION_ARN = re.compile(r"^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[^:]+(:[^:]+)?$")


@dataclass(frozen=True)
class StateRef:
    """One state, where it sits (`Outer/Inner` names) and the Parallel/Map states enclosing it."""

    path: tuple[str, ...]
    state: Mapping[str, Any]
    containers: tuple[Mapping[str, Any], ...] = ()

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def location(self) -> str:
        return "/".join(self.path)

    @property
    def type(self) -> str:
        return str(self.state.get("Type"))


def sub_machines(state: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The nested state machines of a Parallel (branches) or Map (inline or distributed processor)."""
    if state.get("Type") == "Parallel":
        return list(state.get("Branches", []))
    if state.get("Type") == "Map":
        processor = state.get("ItemProcessor") or state.get("Iterator")
        return [processor] if processor else []
    return []


def iter_states(
    machine: Mapping[str, Any],
    prefix: tuple[str, ...] = (),
    containers: tuple[Mapping[str, Any], ...] = (),
) -> Iterator[StateRef]:
    """Every state of `machine`, depth first, nested states after the state that encloses them."""
    for name, state in machine.get("States", {}).items():
        ref = StateRef((*prefix, name), state, containers)
        yield ref
        for nested in sub_machines(state):
            yield from iter_states(nested, ref.path, (*containers, state))


def is_distributed_map(state: Mapping[str, Any]) -> bool:
    processor = state.get("ItemProcessor") or {}
    return state.get("Type") == "Map" and processor.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED"


def is_callback(state: Mapping[str, Any]) -> bool:
    """A `.waitForTaskToken` task: it waits for SendTaskSuccess/Failure, not for the call to return."""
    return str(state.get("Resource", "")).endswith(CALLBACK_SUFFIX)


def is_lambda_task(state: Mapping[str, Any]) -> bool:
    """A Task invoking Lambda: the optimized integration, the SDK integration or a bare function ARN."""
    resource = str(state.get("Resource", ""))
    return state.get("Type") == "Task" and bool(
        _LAMBDA_INTEGRATION.match(resource) or _LAMBDA_FUNCTION_ARN.match(resource)
    )


def states_by_name(definition: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Every state of a definition, nested ones included, by name (names must be unique)."""
    found = {ref.name: ref.state for ref in iter_states(definition)}
    assert len(found) == len(list(iter_states(definition))), "state names must be unique"
    return found


def catches(state: Mapping[str, Any]) -> dict[str, str]:
    """Caught error name -> the state its Catch goes to."""
    return {error: catch["Next"] for catch in state.get("Catch", []) for error in catch["ErrorEquals"]}
