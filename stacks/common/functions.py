"""The one factory every workflow's `functions.py` builds its task functions with."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Duration
from constructs import Construct

from stacks.common.platform import Platform
from stacks.common.task_function import LAMBDAS_ROOT, PythonTaskFunction, TaskFunctionProps


class TaskFunctionFactory:
    """Creates a workflow's task functions with its package, service and shared settings.

    `common_environment` is set on every function (for example the artifacts bucket every rag task
    reads); each function adds its own. Every function created is kept in `functions` by construct id,
    the attribute an extender reads to find, grant to or alarm on a workflow's tasks.
    """

    def __init__(
        self,
        scope: Construct,
        platform: Platform,
        package: str,
        *,
        service: str | None = None,
        timeout_seconds: int = 30,
        memory_size: int = 256,
        common_environment: Mapping[str, str] | None = None,
        source_root: Path = LAMBDAS_ROOT,
    ) -> None:
        self.scope = scope
        self.platform = platform
        self.package = package
        self.service = service or package
        self.timeout_seconds = timeout_seconds
        self.memory_size = memory_size
        self.common_environment = dict(common_environment or {})
        self.source_root = source_root
        self.functions: dict[str, PythonTaskFunction] = {}

    def create(
        self,
        construct_id: str,
        handler: str,
        description: str,
        *,
        timeout_seconds: int | None = None,
        memory_size: int | None = None,
        environment: Mapping[str, str] | None = None,
    ) -> PythonTaskFunction:
        """One task function: `handler` is `<module>.<function>` inside `lambdas/<package>/`."""
        if construct_id in self.functions:
            raise ValueError(f"task function {construct_id!r} already created for {self.package}")
        function = PythonTaskFunction(
            self.scope,
            construct_id,
            TaskFunctionProps(
                platform=self.platform,
                package=self.package,
                handler=handler,
                service=self.service,
                description=description,
                timeout=Duration.seconds(timeout_seconds or self.timeout_seconds),
                memory_size=memory_size or self.memory_size,
                environment={**self.common_environment, **(environment or {})},
                source_root=self.source_root,
            ),
        )
        self.functions[construct_id] = function
        return function
