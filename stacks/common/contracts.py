"""The stacks side of each workflow's contract module: `lambdas/<package>/contract.py`, loaded by path.

A contract module holds the names a construct and its handlers must agree on (environment variable
names, error names, S3 key layout, table key names) as plain constants. It imports nothing but the
standard library's `__future__`, `typing`, `enum` and `dataclasses` (a quality test keeps it so), so
loading it here runs no handler code and needs no handler dependency; handlers import it as
`<package>.contract` from their deployment package, the stacks read the very same file.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

from stacks.common.task_function import LAMBDAS_ROOT

CONTRACT_MODULE = "contract"
ALLOWED_IMPORTS = frozenset({"__future__", "dataclasses", "enum", "typing"})


class ContractMissing(LookupError):
    """A workflow package has no `contract.py`."""


@cache
def handler_contract(package: str, root: Path = LAMBDAS_ROOT) -> ModuleType:
    """`<root>/<package>/contract.py` as a module (loaded once per process)."""
    path = root / package / f"{CONTRACT_MODULE}.py"
    if not path.is_file():
        raise ContractMissing(f"lambdas/{package}/{CONTRACT_MODULE}.py does not exist")
    name = (
        f"stepwise_contracts.{package}"
        if root == LAMBDAS_ROOT
        else f"stepwise_contracts.{root.name}.{package}"
    )
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ContractMissing(f"lambdas/{package}/{CONTRACT_MODULE}.py cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def contract_imports(source: str) -> set[str]:
    """The top-level modules a contract's source imports."""
    tree = ast.parse(source)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." if node.level else (node.module or "").split(".")[0])
    return found


def forbidden_imports(source: str) -> set[str]:
    """What a contract imports beyond `ALLOWED_IMPORTS` (relative imports included)."""
    return contract_imports(source) - ALLOWED_IMPORTS
