"""One execution as a picture: a self-contained HTML page (inline SVG, inline CSS, no script, no
network) of the state machine with the path the run took.

Every state is drawn and carries `data-state` and classes saying what happened to it: `entered`,
`failed` (an attempt failed), `retried` (attempted again after a failure), `compensation` (entered
after a Catch route was taken), or `skipped`. Edges the run followed are `taken`; Catch edges are
dashed. A Distributed Map shows how its child executions ended, and the page lists each child
with its states and error. Failure causes are shown as message and the handler's own frame.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from localrun.graph import Edge, StateGraph
from localrun.layout import HEADER, Box, layout
from localrun.result import RunResult, readable_cause

_FAILURE_SUFFIXES = ("Failed", "TimedOut")


@dataclass
class PathTaken:
    """What one run did to each state (by state name) and which edges it followed."""

    entered: dict[str, int] = field(default_factory=dict)
    failed: dict[str, list[str]] = field(default_factory=dict)
    retried: set[str] = field(default_factory=set)
    compensation: set[str] = field(default_factory=set)
    transitions: set[tuple[str, str]] = field(default_factory=set)


def path_taken(result: RunResult, graph: StateGraph) -> PathTaken:
    """Walk the run's history (and each Distributed Map child's) into per-state facts."""
    taken = PathTaken()
    catch_pairs = {_names(edge) for edge in graph.edges if edge.kind == "catch"}
    for history in [result.history, *(child.history for child in result.map_children)]:
        _walk(history, taken, catch_pairs)
    return taken


def _names(edge: Edge) -> tuple[str, str]:
    return edge.source.rsplit("/", 1)[-1], edge.target.rsplit("/", 1)[-1]


def _walk(history: Iterable[Mapping[str, Any]], taken: PathTaken, catch_pairs: set[tuple[str, str]]) -> None:
    """Attribute each event to its state by following `previousEventId` (Map iterations and Parallel
    branches interleave in one history): failures, retries after them, and Catch routes taken."""
    events = list(history)
    by_id = {event.get("id"): event for event in events if event.get("id") is not None}
    compensating: set[Any] = set()
    for event in events:
        kind = str(event.get("type"))
        if kind.startswith("Execution"):
            continue
        entered = event.get("stateEnteredEventDetails")
        state, failed_since = _owner(event, by_id)
        if kind.endswith("StateEntered") and entered:
            name = str(entered.get("name"))
            taken.entered[name] = taken.entered.get(name, 0) + 1
            previous = _previous_state_event(event, by_id)
            if previous is not None:
                source = _state_name(previous)
                taken.transitions.add((source, name))
                caught = _failed_before(event, by_id) and (source, name) in catch_pairs
                if caught or previous.get("id") in compensating:
                    compensating.add(event.get("id"))
                    taken.compensation.add(name)
            continue
        if state is None:
            continue
        if kind.endswith(_FAILURE_SUFFIXES):
            details = next(
                (v for k, v in event.items() if k.endswith("EventDetails") and isinstance(v, Mapping)), {}
            )
            taken.failed.setdefault(state, []).append(str(details.get("error") or kind))
        elif kind.endswith("Scheduled") and failed_since:
            taken.retried.add(state)
        if kind.endswith("StateExited") and event.get("id") is not None:
            entered_id = _entered_event_id(event, by_id)
            if entered_id in compensating:
                compensating.add(event.get("id"))


def _state_name(event: Mapping[str, Any]) -> str:
    details = event.get("stateEnteredEventDetails") or event.get("stateExitedEventDetails") or {}
    return str(details.get("name", ""))


def _ancestors(
    event: Mapping[str, Any], by_id: Mapping[Any, Mapping[str, Any]]
) -> Iterable[Mapping[str, Any]]:
    seen = 0
    current = by_id.get(event.get("previousEventId"))
    while current is not None and seen < len(by_id):
        yield current
        seen += 1
        current = by_id.get(current.get("previousEventId"))


def _owner(event: Mapping[str, Any], by_id: Mapping[Any, Mapping[str, Any]]) -> tuple[str | None, bool]:
    """The state an event belongs to (the nearest StateEntered before it), and whether a failure
    of that state came in between (the event is then a retry or a Catch route)."""
    failed = False
    for ancestor in _ancestors(event, by_id):
        kind = str(ancestor.get("type"))
        if kind.endswith("StateEntered"):
            return _state_name(ancestor), failed
        if kind.endswith("StateExited"):
            return None, failed
        failed = failed or kind.endswith(_FAILURE_SUFFIXES)
    return None, failed


def _failed_before(event: Mapping[str, Any], by_id: Mapping[Any, Mapping[str, Any]]) -> bool:
    """Whether the state entered before `event` failed on the way to it (a Catch route)."""
    for ancestor in _ancestors(event, by_id):
        kind = str(ancestor.get("type"))
        if kind.endswith("StateEntered"):
            return False
        if kind.endswith(_FAILURE_SUFFIXES):
            return True
    return False


def _previous_state_event(
    event: Mapping[str, Any], by_id: Mapping[Any, Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    for ancestor in _ancestors(event, by_id):
        if str(ancestor.get("type")).endswith(("StateEntered", "StateExited")):
            return ancestor
    return None


def _entered_event_id(event: Mapping[str, Any], by_id: Mapping[Any, Mapping[str, Any]]) -> Any:
    for ancestor in _ancestors(event, by_id):
        if str(ancestor.get("type")).endswith("StateEntered"):
            return ancestor.get("id")
    return None


def state_classes(name: str, taken: PathTaken) -> list[str]:
    if name not in taken.entered:
        return ["state", "skipped"]
    classes = ["state", "entered"]
    classes += ["failed"] if name in taken.failed else []
    classes += ["retried"] if name in taken.retried else []
    classes += ["compensation"] if name in taken.compensation else []
    return classes


def render_html(result: RunResult, graph: StateGraph, title: str = "") -> str:
    """The page: heading and outcome, the state graph with the path taken, trace and Map children."""
    taken = path_taken(result, graph)
    svg = render_svg(graph, taken, result)
    heading = title or f"{graph.label}: execution {result.name}"
    outcome = result.status
    if result.error:
        outcome += f" — {result.error}: {readable_cause(result.cause)}"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{_text(heading)}</title>",
            f"<style>{_CSS}</style></head><body>",
            f"<h1>{_text(heading)}</h1>",
            f'<p class="outcome {_text(result.status.lower())}">{_text(outcome)}</p>',
            f"<p>{len(result.states)} states entered, {result.transitions} transitions, "
            f"{result.retries} retries. "
            "Legend: <span class='key entered'>entered</span> <span class='key failed'>failed</span> "
            "<span class='key retried'>retried</span> <span class='key compensation'>after a Catch</span> "
            "<span class='key skipped'>not entered</span>; dashed arrows are Catch routes, bold arrows the "
            "path taken.</p>",
            svg,
            _children_table(result),
            "<h2>Trace</h2>",
            f"<pre>{_text(chr(10).join(result.trace()))}</pre>",
            "</body></html>",
            "",
        ]
    )


def render_svg(graph: StateGraph, taken: PathTaken, result: RunResult) -> str:
    placed = layout(graph)
    parts = [
        f'<svg class="graph" width="{placed.width:.0f}" height="{placed.height:.0f}" '
        f'viewBox="0 0 {placed.width:.0f} {placed.height:.0f}" role="img" '
        f'aria-label="{_text(graph.label)} state machine">',
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" '
        'markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>'
        "</defs>",
    ]
    containers = [box for box in placed.boxes.values() if box.node.scopes]
    leaves = [box for box in placed.boxes.values() if not box.node.scopes]
    for box in sorted(containers, key=lambda b: len(b.node.path)):
        parts.append(_container(box, taken, result))
    for edge in graph.edges:
        if edge.source in placed.boxes and edge.target in placed.boxes:
            parts.append(_edge(edge, placed.boxes[edge.source], placed.boxes[edge.target], taken))
    for box in leaves:
        parts.append(_leaf(box, taken))
    parts.append("</svg>")
    return "\n".join(parts)


def _state_attributes(box: Box, taken: PathTaken) -> str:
    name = box.node.name
    classes = " ".join([*state_classes(name, taken), f"type-{box.node.type.lower()}"])
    attributes = (
        f'class="{classes}" data-state="{_text(box.node.key)}" data-entered="{taken.entered.get(name, 0)}"'
    )
    if name in taken.failed:
        attributes += f' data-errors="{_text(", ".join(taken.failed[name]))}"'
    return attributes


def _tooltip(box: Box, taken: PathTaken) -> str:
    name = box.node.name
    lines = [box.node.caption, f"entered {taken.entered.get(name, 0)} time(s)"]
    if name in taken.failed:
        lines.append("failed: " + ", ".join(taken.failed[name]))
    return f"<title>{_text(chr(10).join(lines))}</title>"


def _leaf(box: Box, taken: PathTaken) -> str:
    radius = 18 if box.node.type in ("Succeed", "Fail") else 4
    return (
        f"<g {_state_attributes(box, taken)}>{_tooltip(box, taken)}"
        f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" height="{box.height:.1f}" '
        f'rx="{radius}"/>'
        f'<text x="{box.center_x:.1f}" y="{box.y + box.height / 2 + 4:.1f}">{_text(box.node.name)}</text>'
        f"{_badge(box, taken)}</g>"
    )


def _badge(box: Box, taken: PathTaken) -> str:
    """A corner mark: how many attempts failed, and whether the state was attempted again."""
    name = box.node.name
    if name not in taken.failed:
        return ""
    mark = f"✕{len(taken.failed[name])}" + (" ↻" if name in taken.retried else "")
    return f'<text class="badge" x="{box.x + box.width - 4:.1f}" y="{box.y - 3:.1f}">{mark}</text>'


def _container(box: Box, taken: PathTaken, result: RunResult) -> str:
    caption = box.node.caption
    children = [child for child in result.map_children if child.map_state == box.node.name]
    extra = ""
    if children:
        counts: dict[str, int] = {}
        for child in children:
            counts[child.status] = counts.get(child.status, 0) + 1
        summary = ", ".join(f"{count} {status.lower()}" for status, count in sorted(counts.items()))
        caption += f" — {len(children)} child executions: {summary}"
        extra = f' data-children="{_text(json.dumps(counts, sort_keys=True))}"'
    return (
        f"<g {_state_attributes(box, taken)}{extra}>{_tooltip(box, taken)}"
        f'<rect class="frame" x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" '
        f'height="{box.height:.1f}" rx="8"/>'
        f'<text class="caption" x="{box.x + 10:.1f}" y="{box.y + HEADER - 8:.1f}">{_text(caption)}</text></g>'
    )


def _edge(edge: Edge, source: Box, target: Box, taken: PathTaken) -> str:
    names = (source.node.name, target.node.name)
    classes = ["edge", edge.kind]
    if names in taken.transitions:
        classes.append("taken")
    if target.y > source.y + source.height - 1:
        x1, y1 = source.center_x, source.y + source.height
        x2, y2 = target.center_x, target.y
        middle = (y1 + y2) / 2
        path = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{middle:.1f} {x2:.1f},{middle:.1f} {x2:.1f},{y2:.1f}"
    else:
        x1, y1 = source.x + source.width, source.y + source.height / 2
        x2, y2 = target.x + target.width, target.y + target.height / 2
        reach = max(x1, x2) + 40
        path = f"M{x1:.1f},{y1:.1f} C{reach:.1f},{y1:.1f} {reach:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    label = f"<title>{_text(edge.label)}</title>" if edge.label else ""
    return (
        f'<path class="{" ".join(classes)}" data-from="{_text(edge.source)}" data-to="{_text(edge.target)}" '
        f'd="{path}" marker-end="url(#arrow)">{label}</path>'
    )


def _children_table(result: RunResult) -> str:
    if not result.map_children:
        return ""
    rows = [
        "<h2>Distributed Map child executions</h2>",
        "<table><tr><th>Map</th><th>#</th><th>status</th><th>error</th><th>states</th></tr>",
    ]
    for child in result.map_children:
        error = f"{child.error}: {readable_cause(child.cause)}" if child.error else ""
        rows.append(
            f'<tr class="child {_text(child.status.lower())}" data-map="{_text(child.map_state)}" '
            f'data-index="{child.index}"><td>{_text(child.map_state)}</td><td>{child.index}</td>'
            f"<td>{_text(child.status)}</td><td>{_text(error)}</td>"
            f"<td>{_text(' → '.join(child.states))}</td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)


def _text(value: Any) -> str:
    return html.escape(str(value), quote=True)


_CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1f2328; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
.outcome { font-weight: 600; } .outcome.succeeded { color: #1a7f37; } .outcome.failed { color: #cf222e; }
svg.graph { border: 1px solid #d0d7de; border-radius: 6px; background: #fff; }
svg text { font: 12px system-ui, sans-serif; text-anchor: middle; fill: #1f2328; }
svg text.caption { text-anchor: start; font-weight: 600; }
svg text.badge { text-anchor: end; font-size: 11px; font-weight: 600; fill: #cf222e; }
.state rect { fill: #f6f8fa; stroke: #8c959f; stroke-width: 1; }
.state rect.frame { fill: none; stroke-dasharray: 4 3; }
.state.skipped text { fill: #8c959f; }
.state.entered > rect { fill: #ddf4ff; stroke: #0969da; stroke-width: 2; }
.state.entered > rect.frame { fill: rgba(221, 244, 255, 0.25); }
.state.compensation > rect { fill: #fff8c5; stroke: #9a6700; }
.state.retried > rect { stroke: #bf8700; stroke-width: 3; }
.state.failed > rect { fill: #ffebe9; stroke: #cf222e; stroke-width: 3; }
.edge { fill: none; stroke: #afb8c1; stroke-width: 1.2; }
.edge.catch { stroke-dasharray: 5 4; stroke: #e5534b; }
.edge.taken { stroke: #0969da; stroke-width: 2.5; }
.edge.catch.taken { stroke: #cf222e; }
marker path { fill: #57606a; }
.key { padding: 1px 6px; border-radius: 3px; border: 1px solid #8c959f; }
.key.entered { background: #ddf4ff; } .key.failed { background: #ffebe9; }
.key.retried { border: 3px solid #bf8700; } .key.compensation { background: #fff8c5; }
.key.skipped { color: #8c959f; }
table { border-collapse: collapse; } td, th { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; }
tr.child.failed td { background: #ffebe9; }
pre { background: #f6f8fa; padding: 12px; overflow-x: auto; }
"""
