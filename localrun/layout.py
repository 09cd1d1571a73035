"""A dependency-free layered layout of a state graph: boxes for states, frames for Map/Parallel.

Each scope (the machine, a Map's item processor, a Parallel branch) is laid out top to bottom in
ranks: a state sits one rank below the deepest state that leads to it (back edges of loops
ignored); a container's box holds its nested scopes' layouts. Coordinates are absolute pixels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from localrun.graph import Edge, Node, Scope, StateGraph

LEAF_HEIGHT = 36
MIN_LEAF_WIDTH = 120
CHAR_WIDTH = 7.2
GAP_X = 28
GAP_Y = 44
PAD = 16
HEADER = 26


@dataclass
class Box:
    """Where one state is drawn (its frame, for a container)."""

    node: Node
    x: float
    y: float
    width: float
    height: float

    @property
    def center_x(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Layout:
    """Every state's box and the picture's size."""

    boxes: Mapping[str, Box]
    width: float
    height: float


def layout(graph: StateGraph) -> Layout:
    edges = _edges_by_source(graph.edges)
    boxes: dict[str, Box] = {}
    width, height = _measure_scope(graph.root, edges)
    _place_scope(graph.root, edges, boxes, PAD, PAD)
    return Layout(boxes=boxes, width=width + 2 * PAD, height=height + 2 * PAD)


def _edges_by_source(edges: list[Edge]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for edge in edges:
        found.setdefault(edge.source, []).append(edge.target)
    return found


def ranks(scope: Scope, edges: Mapping[str, list[str]]) -> list[list[Node]]:
    """The scope's states in rows: longest path from StartAt, loops' back edges ignored."""
    members = {node.key: node for node in scope.states}
    order: list[str] = []
    back: set[tuple[str, str]] = set()
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(key: str) -> None:
        visiting.add(key)
        for target in edges.get(key, []):
            if target not in members:
                continue
            if target in visiting:
                back.add((key, target))
            elif target not in done:
                visit(target)
        visiting.discard(key)
        done.add(key)
        order.append(key)

    for key in [scope.start, *members]:
        if key in members and key not in done:
            visit(key)
    rank: dict[str, int] = {}
    for key in reversed(order):
        rank.setdefault(key, 0)
        for target in edges.get(key, []):
            if target in members and (key, target) not in back:
                rank[target] = max(rank.get(target, 0), rank[key] + 1)
    rows: list[list[Node]] = [[] for _ in range(max(rank.values(), default=-1) + 1)]
    for key in reversed(order):
        rows[rank[key]].append(members[key])
    return rows


def _measure_node(node: Node, edges: Mapping[str, list[str]]) -> tuple[float, float]:
    caption = max(MIN_LEAF_WIDTH, CHAR_WIDTH * len(node.caption if node.scopes else node.name) + 24)
    if not node.scopes:
        return caption, LEAF_HEIGHT
    sizes = [_measure_scope(scope, edges) for scope in node.scopes]
    inner_width = sum(width for width, _ in sizes) + GAP_X * (len(sizes) - 1)
    inner_height = max(height for _, height in sizes)
    return max(caption, inner_width + 2 * PAD), inner_height + HEADER + 2 * PAD


def _measure_scope(scope: Scope, edges: Mapping[str, list[str]]) -> tuple[float, float]:
    rows = ranks(scope, edges)
    widths, heights = [], []
    for row in rows:
        sizes = [_measure_node(node, edges) for node in row]
        widths.append(sum(width for width, _ in sizes) + GAP_X * (len(sizes) - 1))
        heights.append(max(height for _, height in sizes))
    return max(widths, default=0.0), sum(heights) + GAP_Y * max(len(rows) - 1, 0)


def _place_scope(
    scope: Scope, edges: Mapping[str, list[str]], boxes: dict[str, Box], left: float, top: float
) -> None:
    width, _ = _measure_scope(scope, edges)
    y = top
    for row in ranks(scope, edges):
        sizes = [_measure_node(node, edges) for node in row]
        row_width = sum(w for w, _ in sizes) + GAP_X * (len(sizes) - 1)
        x = left + (width - row_width) / 2
        for node, (node_width, node_height) in zip(row, sizes, strict=True):
            boxes[node.key] = Box(node, x, y, node_width, node_height)
            _place_nested(node, edges, boxes, x, y, node_width)
            x += node_width + GAP_X
        y += max(h for _, h in sizes) + GAP_Y


def _place_nested(
    node: Node, edges: Mapping[str, list[str]], boxes: dict[str, Box], x: float, y: float, width: float
) -> None:
    if not node.scopes:
        return
    sizes = [_measure_scope(scope, edges) for scope in node.scopes]
    inner_width = sum(w for w, _ in sizes) + GAP_X * (len(sizes) - 1)
    left = x + (width - inner_width) / 2
    for scope, (scope_width, _) in zip(node.scopes, sizes, strict=True):
        _place_scope(scope, edges, boxes, left, y + HEADER + PAD)
        left += scope_width + GAP_X
