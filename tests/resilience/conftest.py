"""One harness (provisioned LocalRunner) per workflow, shared by the resilience tests of a worker.

Package scope: the harnesses' moto stays active only while this package's tests run, so other
suites in the same worker never see its resources.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.resilience.harness import Harness
from tests.resilience.worlds import HARNESSES


class Harnesses:
    """Harnesses opened on first use, closed together."""

    def __init__(self) -> None:
        self._open: dict[str, Harness] = {}

    def __getitem__(self, workflow: str) -> Harness:
        if workflow not in self._open:
            if workflow not in HARNESSES:
                raise KeyError(
                    f"no resilience harness for workflow {workflow!r}: add one to worlds.HARNESSES"
                )
            harness = HARNESSES[workflow]()
            if any(stacks_of(harness) & stacks_of(other) for other in self._open.values()):
                # A stack both would provision (the agent's rag and orders exporters) has explicitly
                # named resources, which collide in one moto world: start a fresh one.
                self.close()
            self._open[workflow] = harness.open()
        return self._open[workflow]

    def close(self) -> None:
        for harness in self._open.values():
            harness.close()
        self._open.clear()


def stacks_of(harness: Harness) -> set[str]:
    """The stacks the harness's runner provisions: its own and those it reads outputs of."""
    stack = harness.runner.stack
    return {stack.stack_name, *(exporter.stack_name for exporter in stack.dependencies())}


@pytest.fixture(scope="package")
def harnesses() -> Iterator[Harnesses]:
    registry = Harnesses()
    try:
        yield registry
    finally:
        registry.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The matrix tries scenarios until the cell's fault fires, and judges that itself."""
    for item in items:
        if "tests/resilience/" in str(item.fspath):
            item.add_marker(pytest.mark.faults_may_not_fire)
