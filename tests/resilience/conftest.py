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
            self._open[workflow] = HARNESSES[workflow]().open()
        return self._open[workflow]

    def close(self) -> None:
        for harness in self._open.values():
            harness.close()
        self._open.clear()


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
