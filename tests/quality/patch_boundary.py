"""Find attribute patches made outside localrun's overrides registry (`localrun/engine/overrides.py`).

A patch is an assignment to, deletion of, or `setattr` on an attribute of an imported name (a
module or anything imported from one): `os.environ = ...`, `threading.Thread.start = ...`,
`setattr(sys, "stdout", ...)`. Attributes of local objects (`self.x = ...`, `setattr(env, ...)` on
an interpreter environment) are state, not patches, and are not reported.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

REGISTRY = Path("localrun/engine/overrides.py")


@dataclass(frozen=True)
class Patch:
    """One attribute of an imported name replaced in place."""

    path: str
    line: int
    target: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: patches {self.target} outside localrun/engine/overrides.py"


def _imported_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names if alias.name != "*")
    return names


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.expr) -> str:
    return ast.unparse(node)


def patches_in(source: str, path: str = "<snippet>") -> list[Patch]:
    """Every patch of an imported name's attribute in `source`."""
    tree = ast.parse(source)
    imported = _imported_names(tree)
    found: list[Patch] = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = list(node.targets)
        for target in targets:
            if isinstance(target, ast.Attribute) and _root(target) in imported:
                found.append(Patch(path, node.lineno, _dotted(target)))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("setattr", "delattr")
            and node.args
            and _root(node.args[0]) in imported
        ):
            found.append(Patch(path, node.lineno, f"{_dotted(node.args[0])}.<{node.func.id}>"))
    return found


def patches_outside_registry(
    root: Path, packages: tuple[str, ...] = ("localrun", "scripts", "bench")
) -> list[Patch]:
    """Every patch in the packages' modules except the registry's own `setattr`."""
    found: list[Patch] = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            if relative == REGISTRY:
                continue
            found.extend(patches_in(path.read_text(), str(relative)))
    return found
