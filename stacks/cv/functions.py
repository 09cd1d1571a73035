"""The CV task functions' common shape: the `cv` handler package, one service name per workflow."""

from __future__ import annotations

from typing import Any

from constructs import Construct

from stacks.common import PythonTaskFunction, TaskFunctionProps
from stacks.common.platform import Platform


def cv_task_function(
    scope: Construct,
    construct_id: str,
    platform: Platform,
    service: str,
    handler: str,
    environment: dict[str, str],
    **kwargs: Any,
) -> PythonTaskFunction:
    """A `PythonTaskFunction` of the `cv` package; `kwargs` are further `TaskFunctionProps` fields."""
    return PythonTaskFunction(
        scope,
        construct_id,
        TaskFunctionProps(
            platform=platform,
            package="cv",
            handler=handler,
            service=service,
            environment=environment,
            **kwargs,
        ),
    )
