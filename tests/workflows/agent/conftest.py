"""One LocalRunner for the agent stack (with the rag and orders stacks it reads) per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from localrun import LocalRunner
from tests.support.synth import app_stacks
from tests.support.worlds.agent import AgentWorld


@pytest.fixture(scope="module")
def runner() -> Iterator[LocalRunner]:
    with LocalRunner.for_stack(app_stacks("dev")["agent"]) as local:
        yield local


@pytest.fixture(scope="module")
def world(runner: LocalRunner) -> AgentWorld:
    return AgentWorld(runner)


@pytest.fixture(scope="module")
def events(world: AgentWorld) -> str:
    """The queue capturing the agent's events (each test drains what its run published)."""
    return world.capture_events()
