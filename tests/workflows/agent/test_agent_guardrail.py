"""The agent with a Bedrock guardrail configured (examples/agent/guardrail.environments.json, a local
configuration): ApplyGuardrail on the task and on the draft, a block on either, and the three kinds
of fault on both guard states (the fault matrix runs the dev app, which has no guardrail)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from localrun import Fault, LocalRunner
from localrun.result import RunResult
from localrun.samples import Sample
from localrun.template import synthesize, workflow_stack
from tests.resilience.worlds import ReplayingScript
from tests.support.worlds.agent import AgentWorld

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "agent"
PASSES = Sample.load(EXAMPLES / "guardrail-passes.json")
BLOCKS_DRAFT = Sample.load(EXAMPLES / "guardrail-blocks-draft.json")
GUARD_STATES = ("GuardTask", "GuardDraft")
TRANSIENT = "Lambda.TooManyRequestsException"


@pytest.fixture(scope="module")
def runner() -> Iterator[LocalRunner]:
    stack = workflow_stack("agent", "dev", EXAMPLES / "guardrail.environments.json")
    with LocalRunner(synthesize(stack)) as local:
        yield local


@pytest.fixture(scope="module")
def world(runner: LocalRunner) -> AgentWorld:
    return AgentWorld(runner)


def run(
    runner: LocalRunner, sample: Sample, request_id: str, *faults: Fault, replay: bool = False
) -> RunResult:
    """The sample under its own request id, with `faults` (and a script that answers a repeated
    request again, as a retried call after a lost response sends it)."""
    bedrock = sample.bedrock
    if replay:
        bedrock = ReplayingScript.load(json.loads(sample.path.read_text())["bedrock"], label=request_id)
    variant = dataclasses.replace(
        sample, input={**sample.input, "requestId": request_id}, faults=faults, bedrock=bedrock
    )
    result = variant.run(runner, timeout=120.0)
    assert result.unfired_faults == (), "\n".join(result.trace())
    return result


def test_a_task_and_a_draft_the_guardrail_lets_through_are_published(
    runner: LocalRunner, world: AgentWorld
) -> None:
    result = PASSES.run(runner, timeout=120.0)

    assert PASSES.mismatches(result) == [], "\n".join(result.trace())
    assert not result.bedrock_problems
    request_id = PASSES.input["requestId"]
    assert world.keys(f"answers/{request_id}/") == [f"answers/{request_id}/v1.json"]
    assert "84" in world.json_object(f"answers/{request_id}/v1.json")["answer"]
    assert world.request(request_id)["status"] == "PUBLISHED"


def test_a_draft_the_guardrail_blocks_is_recorded_and_never_published(
    runner: LocalRunner, world: AgentWorld
) -> None:
    result = BLOCKS_DRAFT.run(runner, timeout=120.0)

    assert BLOCKS_DRAFT.mismatches(result) == [], "\n".join(result.trace())
    request_id = BLOCKS_DRAFT.input["requestId"]
    assert world.keys(f"answers/{request_id}/") == []
    report = world.json_object(f"reports/{request_id}.json")
    assert report["status"] == report["error"] == "GuardrailBlocked"
    assert report["rounds"] == 1 and report["toolCalls"] == 1
    assert world.request(request_id)["status"] == "GuardrailBlocked"


@pytest.mark.parametrize("state", GUARD_STATES)
def test_a_transient_guard_failure_is_retried_and_the_answer_published(
    runner: LocalRunner, world: AgentWorld, state: str
) -> None:
    request_id = f"guard-transient-{state.lower()}"
    result = run(runner, PASSES, request_id, Fault(state=state, error=TRANSIENT, times=1))

    assert result.status == "SUCCEEDED", "\n".join(result.trace())
    assert result.retries >= 1
    assert world.keys(f"answers/{request_id}/") == [f"answers/{request_id}/v1.json"]


@pytest.mark.parametrize("state", GUARD_STATES)
def test_a_guard_call_whose_response_was_lost_is_repeated_with_one_answer_published(
    runner: LocalRunner, world: AgentWorld, state: str
) -> None:
    request_id = f"guard-lost-{state.lower()}"
    fault = Fault(state=state, error=TRANSIENT, times=1, ambiguous=True)
    result = run(runner, PASSES, request_id, fault, replay=True)

    assert result.status == "SUCCEEDED", "\n".join(result.trace())
    assert world.keys(f"answers/{request_id}/") == [f"answers/{request_id}/v1.json"]
    assert world.request(request_id)["status"] == "PUBLISHED"


@pytest.mark.parametrize("state", GUARD_STATES)
def test_a_guard_failing_for_good_ends_agent_failed_with_a_report_and_nothing_published(
    runner: LocalRunner, world: AgentWorld, state: str
) -> None:
    request_id = f"guard-down-{state.lower()}"
    result = run(runner, PASSES, request_id, Fault(state=state, error="States.TaskFailed", times=None))

    assert (result.status, result.error) == ("FAILED", "AgentFailed"), "\n".join(result.trace())
    assert state in result.states and "RecordOutcome" in result.states
    assert "RequestApproval" not in result.states
    assert world.keys(f"answers/{request_id}/") == []
    assert world.json_object(f"reports/{request_id}.json")["status"] == "AgentFailed"
