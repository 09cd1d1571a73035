"""The `agent` config section and the model table: defaults, named refusals, prices."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench.prices import model_charge
from stacks.agent.models import MODELS, UnknownModel, foundation_model_id, is_inference_profile, model_spec
from stacks.agent.settings import AgentSettings
from stacks.common.contracts import handler_contract
from stacks.config import ConfigError, load_environment

contract = handler_contract("agent")


def _load(agent: dict[str, Any], workflows: tuple[str, ...] = ("agent", "orders", "rag")) -> AgentSettings:
    return load_environment(
        {"qa": {"sandbox": True, "workflows": list(workflows), "agent": agent}}, "qa"
    ).agent


def test_defaults_match_the_design() -> None:
    settings = AgentSettings()
    assert settings.model_id == "anthropic.claude-3-5-haiku-20241022-v1:0"
    assert json.loads(settings.limits.as_json()) == {
        "maxRounds": 3,
        "maxTokens": 20_000,
        "maxCostUsd": 0.5,
        "maxRevisions": 1,
        "maxToolCallsPerRound": 5,
    }
    assert tuple(json.loads(settings.limits.as_json())) == contract.LIMIT_KEYS
    assert settings.max_concurrency == 4
    assert json.loads(settings.circuit_breaker.as_json()) == {
        "failureThreshold": 3,
        "windowSeconds": 300,
        "coolDownSeconds": 120,
        "maxWaitSeconds": 30,
    }
    assert settings.approval_timeout_seconds == 86_400
    assert settings.guardrail is None


@pytest.mark.parametrize(
    ("agent", "message"),
    [
        ({"modelId": "openai.gpt-9"}, r"agent\.modelId: 'openai\.gpt-9' is not in the agent's model table"),
        ({"tools": ["shell"]}, r"agent\.tools: unknown tool 'shell'"),
        ({"tools": []}, r"agent\.tools: at least one tool is required"),
        ({"tools": ["fetch_url"]}, r"fetch\.allowedHosts: fetch_url is enabled"),
        ({"fetch": {"allowedHosts": ["HTTP://x"]}}, r"agent\.fetch\.allowedHosts: 'HTTP://x' is not"),
        (
            {"inference": {"maxTokens": 8192}, "modelId": "amazon.nova-lite-v1:0"},
            r"inference\.maxTokens 8192",
        ),
        ({"limits": {"maxRounds": 0}}, r"agent\.limits\.maxRounds"),
        ({"guardrail": {"id": "Bad Id", "version": "1"}}, r"agent\.guardrail\.id"),
        ({"approverPrincipals": ["someone"]}, r"agent\.approverPrincipals: 'someone' is not an IAM role"),
        ({"maxConcurrency": 0}, r"agent\.maxConcurrency"),
        ({"budget": 1}, r"agent\.budget: unknown key"),
    ],
)
def test_bad_settings_are_refused_by_key(agent: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _load(agent)


@pytest.mark.parametrize(("tool", "workflow"), [("search_knowledge_base", "rag"), ("lookup_order", "orders")])
def test_a_tool_needs_the_workflow_it_reads(tool: str, workflow: str) -> None:
    deployed = tuple(key for key in ("agent", "orders", "rag") if key != workflow)
    with pytest.raises(ConfigError, match=rf"agent\.tools: {tool} needs the {workflow} workflow"):
        _load({"tools": [tool]}, deployed)
    assert _load({"tools": [tool]}).tools == (tool,)


def test_an_environment_without_the_agent_does_not_check_its_tools() -> None:
    settings = _load({"tools": ["lookup_order"]}, ("rag",))
    assert settings.required_workflows() == {"lookup_order": "orders"}


def test_readiness_names_the_approver_settings() -> None:
    assert [problem.key for problem in AgentSettings().readiness_problems()] == [
        "approverEmail",
        "approverPrincipals",
    ]
    ready = AgentSettings(
        approver_email="reviewers@example.com",
        approver_principals=("arn:aws:iam::111111111111:role/agent-reviewers",),
    )
    assert ready.readiness_problems() == []


def test_shipped_tools_are_the_contract_tools() -> None:
    with pytest.raises(
        ConfigError, match="allowed values are search_knowledge_base, lookup_order, fetch_url"
    ):
        _load({"tools": ["nope"]})
    assert set(contract.TOOL_HANDLERS) == {"search_knowledge_base", "lookup_order", "fetch_url", "calculator"}


def test_inference_profiles_are_priced_as_their_model() -> None:
    profile = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
    assert is_inference_profile(profile)
    assert not is_inference_profile(foundation_model_id(profile))
    assert model_spec(profile) == MODELS["anthropic.claude-3-5-haiku-20241022-v1:0"]
    with pytest.raises(UnknownModel, match="known: anthropic"):
        model_spec("us.meta.llama-9")


def test_costs_come_from_the_one_table() -> None:
    spec = MODELS["anthropic.claude-3-5-haiku-20241022-v1:0"]
    assert spec.cost(1_000, 1_000) == pytest.approx(spec.input_per_1k_tokens + spec.output_per_1k_tokens)
    assert model_charge("anthropic.claude-3-5-haiku-20241022-v1:0", 2_000, 500) == pytest.approx(
        2 * spec.input_per_1k_tokens + 0.5 * spec.output_per_1k_tokens
    )
    assert json.loads(spec.prices_json()) == {
        "inputPer1kTokens": spec.input_per_1k_tokens,
        "outputPer1kTokens": spec.output_per_1k_tokens,
    }
    for model in MODELS.values():
        assert 0 < model.input_per_1k_tokens <= model.output_per_1k_tokens
