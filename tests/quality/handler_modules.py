"""Handler source as the quality rules read it: a handler module and every project module it imports.

A task function's template carries where its code lives (`Stepwise:Source` metadata: the source root
and package) and its `Handler`; the rules follow the imports from there, transitively, through the
modules of that source root (third-party and standard-library imports are not followed).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stacks.common.task_function import SOURCE_METADATA_KEY

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module

    @property
    def relative(self) -> str:
        return self.path.relative_to(PROJECT_ROOT).as_posix()


def handler_source(resource: Mapping[str, Any]) -> tuple[Path, str] | None:
    """(source root, handler module) of a Stepwise task function resource, or None for another."""
    source = resource.get("Metadata", {}).get(SOURCE_METADATA_KEY)
    if not source:
        return None
    return PROJECT_ROOT / source["root"], resource["Properties"]["Handler"].rsplit(".", 1)[0]


def import_closure(root: Path, module: str) -> list[Module]:
    """`module` and every module of `root` it imports, transitively, in a stable order."""
    seen: dict[str, Module] = {}
    pending = [module]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        parsed = _parse(root, current)
        if parsed is None:
            continue
        seen[current] = parsed
        pending += _local_imports(root, parsed)
    return sorted(seen.values(), key=lambda found: found.name)


def walk(modules: list[Module]) -> Iterator[tuple[Module, ast.AST]]:
    for module in modules:
        for node in ast.walk(module.tree):
            yield module, node


@functools.cache
def _parse(root: Path, module: str) -> Module | None:
    path = module_path(root, module)
    if path is None:
        return None
    return Module(module, path, ast.parse(path.read_text(), filename=str(path)))


def _local_imports(root: Path, module: Module) -> list[str]:
    package = module.name if module.path.name == "__init__.py" else module.name.rpartition(".")[0]
    imports: list[str] = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            imports += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            imports += [base, *(f"{base}.{alias.name}" for alias in node.names)]
    return [name for name in imports if module_path(root, name) is not None]


def module_path(root: Path, module: str) -> Path | None:
    if not module:
        return None
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None
