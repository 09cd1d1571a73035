"""JSONPath results shaped as Step Functions shapes them (Jayway JsonPath semantics).

AWS evaluates JSONPath with Jayway JsonPath. A *definite* path (only single names and single
indexes: `$.a.b`, `$.items[0]`, `$['a']`) yields one value and fails when nothing is found (the
state fails with States.Runtime). Any other path is *indefinite* (wildcards `[*]`/`.*`, slices,
filters `[?(...)]`, deep scan `..`, unions `[0,1]`/`['a','b']`) and always yields a JSON array of
every match: one match is a one-element array, no match is `[]`. An indefinite path never fails:
a property missing anywhere on it, before or after the wildcard (`$.absent[*]`,
`$.items[*].absent`), makes it select nothing, `[]` (as measured on AWS: `$.items[*]` in
Parameters/ItemSelector over an input without `items` is `[]`).

moto returned a scalar for an indefinite path with a single match (`$[*].x` over one item), a
list for some definite paths (`$.a[0].b`), and raised for a filter that matched nothing.
"""

from __future__ import annotations

import importlib
from typing import Any

from jsonpath_ng.jsonpath import Child, Fields, Index, Root, This
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.asl.utils.json_path import NoSuchJsonPathError

from localrun.engine.overrides import replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/engine/test_json_path.py"

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
    expression = json_path.parse(path)  # cached parser (engine/speed/performance.py)
    if not is_definite(expression):
        return [match.value for match in expression.find(data)]
    matches = expression.find(data)
    if not matches:
        raise NoSuchJsonPathError(json_path=path, data=data)
    return matches[0].value
