"""`States.*` errors leaving a Map iteration or Parallel branch keep their name instead of crashing moto.

A Map iteration or Parallel branch failing with a `States.*` error (e.g. States.TaskFailed), a
mocked `Throw` of States.Timeout or a SendTaskFailure with a States.* error crashed moto's
interpreter with "Custom Error Names MUST NOT begin with the prefix 'States.'": the modules below
wrap every error name in `CustomErrorName`. They now propagate as the proper States error, so
Retry/Catch see it.

Upstream: no moto issue found; the same crash in LocalStack's interpreter, which moto's
`stepfunctions.parser` vendors: https://github.com/localstack/localstack/issues/10489
"""

from __future__ import annotations

import importlib

from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (
    CustomErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.error_name import ErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
    StatesErrorName,
)

from localrun.engine.overrides import replace

OVERRIDE_KIND = "fix"
OVERRIDE_TEST = "tests/localrun/engine/fixes/test_states_error_names.py"


def error_name(error_name: str | None) -> ErrorName:
    """The interpreter's error name object for `error_name` (States.* names are not custom)."""
    if error_name is not None and error_name.startswith("States."):
        try:
            return StatesErrorName.from_name(error_name)
        except Exception:
            pass
    return CustomErrorName(error_name)


_DYNAMIC_ERROR_MODULES = [
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.iteration_worker",
    "moto.stepfunctions.parser.asl.component.state.exec.state_parallel.branches_decl",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.mock_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback",
    "moto.stepfunctions.parser.asl.component.state.fail.state_fail",
]


def install() -> None:
    for module_name in _DYNAMIC_ERROR_MODULES:
        replace(importlib.import_module(module_name), "CustomErrorName", lambda original: error_name)
