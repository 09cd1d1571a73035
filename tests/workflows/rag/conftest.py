"""One LocalRunner for the RAG stack per test module; each test starts from empty storage."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from localrun import LocalRunner
from tests.support.synth import app_stacks
from tests.workflows.rag.corpus import RagPlane


@pytest.fixture(scope="module")
def runner() -> Iterator[LocalRunner]:
    with LocalRunner.for_stack(app_stacks("dev")["rag"]) as local:
        yield local


@pytest.fixture
def plane(runner: LocalRunner) -> Iterator[RagPlane]:
    plane = RagPlane(runner)
    plane.reset()
    yield plane
