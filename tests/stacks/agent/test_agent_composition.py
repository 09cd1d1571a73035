"""The agent composes with rag and orders through props: the app builds what its enabled tools read."""

from __future__ import annotations

from stacks.agent.stack import AgentStack
from stacks.application import build, with_dependencies
from stacks.config import load_environment
from tests.support.environments import shipped_environments, with_environment
from tests.support.synth import fresh_app


def test_the_agent_brings_the_workflows_its_tools_read() -> None:
    prod = load_environment(shipped_environments(), "prod")
    assert with_dependencies(prod, ["agent"]) == ("agent", "orders", "rag")
    assert with_dependencies(prod, ["cv"]) == ("cv",)
    calculator_only = load_environment(
        with_environment("prod", agent={"tools": ["calculator"]}, workflows=["agent"]), "prod"
    )
    assert with_dependencies(calculator_only, ["agent"]) == ("agent",)


def test_selecting_the_agent_synthesizes_its_sources_and_wires_them() -> None:
    app = fresh_app(workflows="agent")
    _, stacks = build(app, "staging")
    assert list(stacks) == ["agent", "orders", "rag"]
    agent = stacks["agent"]
    assert isinstance(agent, AgentStack)
    assert {stack.stack_name for stack in agent.dependencies} == {
        "Stepwise-staging-Orders",
        "Stepwise-staging-Rag",
    }


def test_an_agent_without_composed_tools_stands_alone() -> None:
    environments = with_environment("staging", agent={"tools": ["calculator"]}, workflows=["agent"])
    _, stacks = build(fresh_app(environments=environments), "staging")
    assert list(stacks) == ["agent"]
    assert stacks["agent"].dependencies == []
