"""Guard: ApplyGuardrail on the task (INPUT) and the draft (OUTPUT); an intervention ends by name."""

from __future__ import annotations

import pytest
from agent import guard
from agent.errors import GuardrailBlocked, InvalidRequest
from botocore.stub import Stubber

from tests.lambdas.agent.agentaws import Account
from tests.lambdas.agent.conftest import call


def guardrail_response(action: str) -> dict[str, object]:
    return {
        "usage": {
            "topicPolicyUnits": 1,
            "contentPolicyUnits": 1,
            "wordPolicyUnits": 0,
            "sensitiveInformationPolicyUnits": 0,
            "sensitiveInformationPolicyFreeUnits": 0,
            "contextualGroundingPolicyUnits": 0,
        },
        "action": action,
        "outputs": [{"text": "Sorry, I can't help with that."}] if action == "GUARDRAIL_INTERVENED" else [],
        "assessments": [],
    }


def test_a_task_the_guardrail_lets_through_passes(aws: Account, bedrock: Stubber) -> None:
    bedrock.add_response(
        "apply_guardrail",
        guardrail_response("NONE"),
        {
            "guardrailIdentifier": "gr-123",
            "guardrailVersion": "1",
            "source": "INPUT",
            "content": [{"text": {"text": "Sum 1 and 2"}}],
        },
    )
    result = call(
        guard.handler, {"source": "INPUT", "request": {"requestId": "req-1", "task": "Sum 1 and 2"}}
    )
    assert result == {"source": "INPUT", "action": "NONE"}


def test_a_draft_the_guardrail_blocks_ends_guardrail_blocked(aws: Account, bedrock: Stubber) -> None:
    aws.put_json("drafts/req-1/00.json", {"answer": "something harmful"})
    bedrock.add_response(
        "apply_guardrail",
        guardrail_response("GUARDRAIL_INTERVENED"),
        {
            "guardrailIdentifier": "gr-123",
            "guardrailVersion": "1",
            "source": "OUTPUT",
            "content": [{"text": {"text": "something harmful"}}],
        },
    )
    with pytest.raises(GuardrailBlocked, match=r"^output") as raised:
        call(
            guard.handler,
            {"source": "OUTPUT", "request": {"requestId": "req-1"}, "draft": {"key": "drafts/req-1/00.json"}},
        )
    assert "harmful" not in str(raised.value)


def test_an_unknown_source_is_refused(aws: Account) -> None:
    with pytest.raises(InvalidRequest, match=r"^source"):
        call(guard.handler, {"source": "BOTH", "request": {"requestId": "req-1", "task": "x"}})
