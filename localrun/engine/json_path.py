"""JSONPath results shaped as Step Functions shapes them (Jayway JsonPath semantics).

AWS evaluates JSONPath with Jayway JsonPath. A *definite* path (only single names and single
indexes: `$.a.b`, `$.items[0]`, `$['a']`) yields one value and fails when nothing is found (the
state fails with States.Runtime). Any other path is *indefinite* (wildcards `[*]`/`.*`, slices,
filters `[?(...)]`, deep scan `..`, unions `[0,1]`/`['a','b']`) and always yields a JSON array of
every match: one match is a one-element array, no match is `[]`. As in Jayway, a property missing
*before* the first indefinite step still fails (`$.absent[*]`: there is nothing to iterate),
while anything missing after it is skipped (`$.items[*].absent` is `[]`).

moto returned a scalar for an indefinite path with a single match (`$[*].x` over one item), a
list for some definite paths (`$.a[0].b`), and raised for a filter that matched nothing.
"""

from __future__ import annotations

import importlib
from typing import Any

from jsonpath_ng.jsonpath import Child, Descendants, Fields, Index, Root, This
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.asl.utils.json_path import NoSuchJsonPathError

from localrun.engine.overrides import replace

# Every moto module that imported `extract_json` by name (plus the defining module).
_MODULES = [
    "moto.stepfunctions.parser.asl.utils.json_path",
    "moto.stepfunctions.parser.asl.component.common.string.string_expression",
    "moto.stepfunctions.parser.asl.component.intrinsic.argument.argument",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.boolean_equals",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.numeric",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.string_operators",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.timestamp_operators",
    "moto.stepfunctions.parser.asl.eval.states",
]


def install() -> None:
    for module_name in _MODULES:
        replace(importlib.import_module(module_name), "extract_json", lambda original: extract_json)


def is_definite(expression: Any) -> bool:
    """True if a parsed path can only ever select one node (Jayway's `isDefinite`)."""
    if isinstance(expression, Root | This):
        return True
    if isinstance(expression, Child):
        return is_definite(expression.left) and is_definite(expression.right)
    if isinstance(expression, Fields):
        return len(expression.fields) == 1 and expression.fields[0] != "*"
    if isinstance(expression, Index):
        return len(expression.indices) == 1
    return False


def extract_json(path: str, data: Any) -> Any:
    """The value(s) `path` selects in `data`, shaped as on AWS (see the module docstring)."""
    expression = json_path.parse(path)  # cached parser (engine/performance.py)
    if not is_definite(expression):
        if not _definite_prefix_exists(_steps(expression), data, path):
            return []
        return [match.value for match in expression.find(data)]
    matches = expression.find(data)
    if not matches:
        raise NoSuchJsonPathError(json_path=path, data=data)
    return matches[0].value


def _steps(expression: Any) -> list[Any]:
    """The path as a list of steps: `$.a[*].b` -> [Root, Fields(a), Wildcard, Fields(b)]."""
    if isinstance(expression, Child):
        return _steps(expression.left) + _steps(expression.right)
    if isinstance(expression, Descendants):
        return [*_steps(expression.left), expression]
    return [expression]


def _definite_prefix_exists(steps: list[Any], data: Any, path: str) -> bool:
    """Walk the steps before the first indefinite one, failing where Jayway fails: a missing
    property, or an index into something that is not an array. An index past the end selects
    nothing (False), which makes the whole indefinite path `[]`."""
    current = data
    for step in steps:
        if not is_definite(step):
            return True
        if isinstance(step, Fields):
            if not isinstance(current, dict) or step.fields[0] not in current:
                raise NoSuchJsonPathError(json_path=path, data=data)
            current = current[step.fields[0]]
        elif isinstance(step, Index):
            if not isinstance(current, list):
                raise NoSuchJsonPathError(json_path=path, data=data)
            index = step.indices[0]
            if not -len(current) <= index < len(current):
                return False
            current = current[index]
    return True
