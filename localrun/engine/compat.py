"""Value-preserving spellings for the few valid ASL forms moto's ASL grammar rejects.

The definition stays the synthesized one; only its JSON spelling changes where moto 5.2.5's
parser cannot read it, and only where the meaning for the local interpreter is identical:

- `ToleratedFailurePercentage: 100` (an integer) -> `100.0`: the grammar accepts only decimals.
- Distributed Map `ProcessorConfig.ExecutionType: "EXPRESS"` -> `"STANDARD"`: the grammar accepts
  only STANDARD. moto runs map iterations in-process either way; what differs on AWS (child
  executions billed and logged as Express, at-least-once) has no local counterpart.
- A Map state's `ItemBatcher` is taken out: the grammar has no such field. `item_batchers` returns
  each one by Map state name and localrun applies it when the Map runs (`engine/item_batcher.py`).

Each rewrite is reported, so a run can say what was adapted.
"""

from __future__ import annotations

import json
from typing import Any


def adapt(definition: str) -> tuple[str, list[str]]:
    """The definition as moto can parse it, and a note per rewrite applied."""
    document = json.loads(definition)
    notes: list[str] = []
    _walk(document, notes, path="$")
    if not notes:
        return definition, notes
    return json.dumps(document, separators=(",", ":")), notes


def item_batchers(definition: str) -> dict[str, dict[str, Any]]:
    """Each Map state's `ItemBatcher`, by state name (state names are unique in a definition).

    A batcher of a JSONata state (its own `QueryLanguage`, else the state machine's) carries
    `"QueryLanguage": "JSONata"`, so its fields are evaluated as JSONata.
    """
    document = json.loads(definition)
    found: dict[str, dict[str, Any]] = {}
    language = document.get("QueryLanguage", "JSONPath") if isinstance(document, dict) else "JSONPath"
    _collect_batchers(document, found, language)
    return found


def _collect_batchers(node: Any, found: dict[str, dict[str, Any]], language: str) -> None:
    if isinstance(node, list):
        for item in node:
            _collect_batchers(item, found, language)
        return
    if not isinstance(node, dict):
        return
    states = node.get("States")
    if isinstance(states, dict):
        for name, state in states.items():
            if isinstance(state, dict) and isinstance(state.get("ItemBatcher"), dict):
                found[name] = dict(state["ItemBatcher"])
                if state.get("QueryLanguage", language) == "JSONata":
                    found[name]["QueryLanguage"] = "JSONata"
    for value in node.values():
        _collect_batchers(value, found, language)


def _walk(node: Any, notes: list[str], path: str) -> None:
    if isinstance(node, list):
        for index, item in enumerate(node):
            _walk(item, notes, f"{path}[{index}]")
        return
    if not isinstance(node, dict):
        return
    tolerated = node.get("ToleratedFailurePercentage")
    if isinstance(tolerated, int) and not isinstance(tolerated, bool):
        node["ToleratedFailurePercentage"] = float(tolerated)
        notes.append(f"{path}.ToleratedFailurePercentage: {tolerated} written as {float(tolerated)}")
    config = node.get("ProcessorConfig")
    if isinstance(config, dict) and config.get("ExecutionType") == "EXPRESS":
        config["ExecutionType"] = "STANDARD"
        notes.append(f"{path}.ProcessorConfig.ExecutionType: EXPRESS run as STANDARD")
    if node.get("Type") == "Map" and "ItemBatcher" in node:
        del node["ItemBatcher"]
        notes.append(f"{path}.ItemBatcher: applied by localrun when the Map runs (moto cannot parse it)")
    for key, value in node.items():
        _walk(value, notes, f"{path}.{key}")
