"""Find imports inside stacks/ that run upward (issue 19, narrow props).

Layers, bottom up: `stacks/common` (shared constructs, `Platform`), the workflow packages
(`stacks/<workflow>/`), then the composition (`stacks/config.py`, `stacks/application.py`, each
workflow's `stack.py`). `stacks/common` imports nothing from `stacks` outside itself; a workflow
package's modules other than `stack.py` take `Platform` and their settings section, never the
environment's config, so they do not import `stacks.config` or `stacks.application`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

COMMON = "common"
# The one module of a workflow package that maps the environment's config onto its construct.
STACK_MODULE = "stack.py"
COMPOSITION_MODULES = ("stacks.config", "stacks.application")


@dataclass(frozen=True)
class UpwardImport:
    """One import of a module from a layer above the importing module's."""

    path: str
    line: int
    imported: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: imports {self.imported} ({self.rule})"


def module_name(path: Path, root: Path) -> str:
    """`stacks.rag.construct` for `<root>/stacks/rag/construct.py` (a package is its `__init__`)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, absolute dotted name) of every import in `source`; `from a import b` yields `a.b`, so a
    submodule imported by name (`from stacks import config`) is seen."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                yield node.lineno, base if alias.name == "*" else f"{base}.{alias.name}"


def _within(name: str, module: str) -> bool:
    return name == module or name.startswith(f"{module}.")


def violations_in(
    source: str, module: str, path: str = "<snippet>", is_package: bool = False
) -> list[UpwardImport]:
    """The upward imports of one module of the `stacks` package, by the layer its name puts it in."""
    parts = module.split(".")
    in_subpackage = len(parts) >= 3 or (is_package and len(parts) == 2)
    if parts[0] != "stacks" or not in_subpackage:
        return []
    found: list[UpwardImport] = []
    for line, name in imported_modules(source, module, is_package):
        if not _within(name, "stacks"):
            continue
        if parts[1] == COMMON:
            if not _within(name, f"stacks.{COMMON}"):
                found.append(UpwardImport(path, line, name, "stacks/common imports only stacks.common"))
        elif parts[-1] != STACK_MODULE.removesuffix(".py") and any(
            _within(name, composition) for composition in COMPOSITION_MODULES
        ):
            found.append(
                UpwardImport(path, line, name, "a workflow construct takes Platform and its settings")
            )
    return found


def upward_imports(root: Path) -> list[UpwardImport]:
    """Every upward import in the modules under `<root>/stacks`, in path order."""
    found: list[UpwardImport] = []
    for path in sorted((root / "stacks").rglob("*.py")):
        module = module_name(path, root)
        relative = path.relative_to(root).as_posix()
        found.extend(violations_in(path.read_text(), module, relative, path.name == "__init__.py"))
    return found
