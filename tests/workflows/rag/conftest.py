"""One LocalRunner for the RAG stack per test module; each test starts from empty storage."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from localrun import LocalRunner
from tests.support.synth import app_stacks
from tests.support.worlds.rag import RagWorld


@pytest.fixture(scope="module")
def runner() -> Iterator[LocalRunner]:
    with LocalRunner.for_stack(app_stacks("dev")["rag"]) as local:
        yield local


@pytest.fixture
def plane(runner: LocalRunner) -> Iterator[RagWorld]:
    plane = RagWorld(runner)
    plane.reset()
    yield plane
