"""The state graph of a synthesized state machine: states, nesting and edges (Next, Choice, Catch).

Both the Mermaid diagrams of docs/ (`localrun.diagram`) and the execution pictures of
`python -m localrun run --graph` (`localrun.picture`) draw from this one model of the definition.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from localrun.template import StackTemplate

# A CloudFormation token inside the definition (a function ARN, a table name): its value does not
# change the graph, so any JSON-safe literal stands in for it.
_TOKEN_STAND_IN = "0"
_HASH_SUFFIX = re.compile(r"[0-9A-F]{8}$")


@dataclass(frozen=True)
class Edge:
    """A transition: `kind` is `next`, `choice`, `default` or `catch`; `label` says when it is taken."""

    source: str
    target: str
    kind: str
    label: str = ""


@dataclass
class Scope:
    """One States/StartAt block: the top-level machine, a Map's processor or a Parallel branch."""

    path: tuple[str, ...]
    start: str
    states: list[Node] = field(default_factory=list)


@dataclass
class Node:
    """One state, keyed by its path (`Outer/Inner`), with the scopes nested inside it."""

    path: tuple[str, ...]
    type: str
    definition: Mapping[str, Any]
    scopes: list[Scope] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def key(self) -> str:
        return "/".join(self.path)

    @property
    def distributed(self) -> bool:
        processor = self.definition.get("ItemProcessor") or {}
        return processor.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED"

    @property
    def caption(self) -> str:
        """`Name (Type)`, with `Distributed Map` for a Map whose items run as child executions."""
        kind = "Distributed Map" if self.distributed else self.type
        return f"{self.name} ({kind})"


@dataclass
class StateGraph:
    """A state machine's graph: its label, its top scope and every edge."""

    label: str
    root: Scope
    edges: list[Edge]
    logical_id: str = ""

    def nodes(self) -> Iterator[Node]:
        """Every state, depth first, nested states after their container."""
        yield from _walk(self.root)

    def node(self, key: str) -> Node:
        for node in self.nodes():
            if node.key == key:
                return node
        raise KeyError(f"no state {key!r} in {self.label}")


def _walk(scope: Scope) -> Iterator[Node]:
    for node in scope.states:
        yield node
        for nested in node.scopes:
            yield from _walk(nested)


def plain_definition(resource: Mapping[str, Any]) -> dict[str, Any]:
    """The ASL document of an `AWS::StepFunctions::StateMachine` resource, tokens stood in for."""
    properties = resource.get("Properties", {})
    source = properties.get("DefinitionString", properties.get("Definition"))
    if isinstance(source, Mapping) and "Fn::Join" in source:
        separator, parts = source["Fn::Join"]
        text = separator.join(part if isinstance(part, str) else _TOKEN_STAND_IN for part in parts)
    elif isinstance(source, str):
        text = source
    elif isinstance(source, Mapping):
        text = json.dumps(source)
    else:
        raise ValueError("state machine without Definition or DefinitionString")
    for key in properties.get("DefinitionSubstitutions", {}):
        text = text.replace("${" + key + "}", _TOKEN_STAND_IN)
    return dict(json.loads(text))


def machine_label(template: StackTemplate, logical_id: str) -> str:
    """A short name for the machine: its construct path without the `Workflow`/`StateMachine` wrapping."""
    path = template.construct_path(logical_id)
    if path == logical_id:
        return _HASH_SUFFIX.sub("", logical_id).removesuffix("StateMachine") or logical_id
    parts = [part for part in path.split("/") if part not in ("Resource", "StateMachine")]
    while len(parts) > 1 and parts[0] == "Workflow":
        parts.pop(0)
    while len(parts) > 1 and parts[-1] == "Workflow":
        parts.pop()
    return "/".join(parts)


def graphs_of(template: StackTemplate) -> list[StateGraph]:
    """Every state machine of a synthesized stack, in template order."""
    return [
        build_graph(machine_label(template, logical_id), plain_definition(resource), logical_id)
        for logical_id, resource in template.of_type("AWS::StepFunctions::StateMachine").items()
    ]


def build_graph(label: str, definition: Mapping[str, Any], logical_id: str = "") -> StateGraph:
    edges: list[Edge] = []
    root = _scope(definition, (), edges)
    return StateGraph(label=label, root=root, edges=edges, logical_id=logical_id)


def _scope(machine: Mapping[str, Any], prefix: tuple[str, ...], edges: list[Edge]) -> Scope:
    scope = Scope(path=prefix, start="/".join((*prefix, str(machine.get("StartAt", "")))))
    for name, state in machine.get("States", {}).items():
        node = Node(path=(*prefix, name), type=str(state.get("Type")), definition=state)
        for nested in _sub_machines(state):
            node.scopes.append(_scope(nested, node.path, edges))
        edges.extend(_edges_of(node, prefix))
        scope.states.append(node)
    return scope


def _sub_machines(state: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if state.get("Type") == "Parallel":
        return list(state.get("Branches", []))
    if state.get("Type") == "Map":
        processor = state.get("ItemProcessor") or state.get("Iterator")
        return [processor] if processor else []
    return []


def _edges_of(node: Node, prefix: tuple[str, ...]) -> Iterator[Edge]:
    state = node.definition

    def target(name: str) -> str:
        return "/".join((*prefix, name))

    if "Next" in state:
        yield Edge(node.key, target(state["Next"]), "next")
    for rule in state.get("Choices", []):
        yield Edge(node.key, target(rule["Next"]), "choice", describe_rule(rule))
    if "Default" in state:
        yield Edge(node.key, target(state["Default"]), "default", "otherwise")
    for catch in state.get("Catch", []):
        yield Edge(node.key, target(catch["Next"]), "catch", ", ".join(catch.get("ErrorEquals", [])))


_OPERATORS = {
    "Equals": "==",
    "LessThan": "<",
    "GreaterThan": ">",
    "LessThanEquals": "<=",
    "GreaterThanEquals": ">=",
    "Matches": "matches",
}


def describe_rule(rule: Mapping[str, Any]) -> str:
    """A Choice rule in one short phrase: `$.x == true`, `not (...)`, `a and b`, a JSONata condition."""
    if "Condition" in rule:
        return str(rule["Condition"]).removeprefix("{%").removesuffix("%}").strip()
    if "Not" in rule:
        return f"not ({describe_rule(rule['Not'])})"
    for combinator in ("And", "Or"):
        if combinator in rule:
            return f" {combinator.lower()} ".join(describe_rule(part) for part in rule[combinator])
    variable = str(rule.get("Variable", "?"))
    for key, value in rule.items():
        if key in ("Variable", "Next"):
            continue
        if key == "IsPresent":
            return f"{variable} {'present' if value else 'absent'}"
        if key == "IsNull":
            return f"{variable} {'is' if value else 'is not'} null"
        if key.startswith("Is"):
            return f"{variable} {'is' if value else 'is not'} {key.removeprefix('Is').lower()}"
        for suffix, symbol in _OPERATORS.items():
            if key.removesuffix("Path").endswith(suffix):
                shown = value if key.endswith("Path") or not isinstance(value, str) else f"'{value}'"
                shown = json.dumps(shown) if isinstance(shown, bool) else shown
                return f"{variable} {symbol} {shown}"
    return variable
