"""The Express budget: worst case of one child batch from its definition, checked at synth."""

from __future__ import annotations

import pytest

from stacks.application import build, project_context
from stacks.config import ConfigError
from stacks.rag.express_budget import (
    BUDGET_SECONDS,
    UnboundedState,
    batch_worst_case,
    retry_seconds,
    state_seconds,
)
from tests.stacks.rag.test_rag_stack import asl, distributed_map
from tests.support.synth import fresh_app


def _task(timeout: int, *retry: dict, **extra: object) -> dict:
    return {"Type": "Task", "Resource": "arn", "TimeoutSeconds": timeout, "Retry": list(retry), **extra}


def test_a_retrier_allows_its_attempts_and_capped_backoff():
    assert retry_seconds({"ErrorEquals": ["X"]}) == (3, 1 + 2 + 4)  # ASL defaults
    rule = {
        "ErrorEquals": ["X"],
        "MaxAttempts": 4,
        "IntervalSeconds": 5,
        "BackoffRate": 2,
        "MaxDelaySeconds": 12,
    }
    assert retry_seconds(rule) == (4, 5 + 10 + 12 + 12)


def test_a_task_costs_every_attempt_at_its_timeout_plus_the_waits_of_each_retrier():
    first = {"ErrorEquals": ["A"], "MaxAttempts": 1, "IntervalSeconds": 2}
    second = {"ErrorEquals": ["B"], "MaxAttempts": 2, "IntervalSeconds": 1, "BackoffRate": 3}
    assert state_seconds("T", _task(10, first, second)) == 4 * 10 + 2 + (1 + 3)
    assert state_seconds("P", {"Type": "Pass"}) == 0
    assert state_seconds("W", {"Type": "Wait", "Seconds": 7}) == 7


@pytest.mark.parametrize(
    "state",
    [
        {"Type": "Task", "Resource": "arn"},
        {"Type": "Parallel", "Branches": []},
        {"Type": "Wait", "SecondsPath": "$.s"},
    ],
)
def test_a_state_without_a_bounded_duration_is_refused(state):
    with pytest.raises(UnboundedState):
        state_seconds("S", state)


def test_the_worst_path_follows_catches_and_the_map_runs_in_rounds():
    states = {
        "A": _task(10, Next="B", Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Fail"}]),
        "B": _task(5, End=True, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Fail"}]),
        "Fail": _task(20, Next="Done"),
        "Done": {"Type": "Succeed"},
    }
    map_state = {"Type": "Map", "MaxConcurrency": 3, "ItemProcessor": {"StartAt": "A", "States": states}}
    worst = batch_worst_case(map_state, documents=7)
    assert [step.name for step in worst.path] == ["A", "B", "Fail", "Done"]
    assert (worst.rounds, worst.document_seconds, worst.seconds) == (3, 35, 105)


def test_the_default_child_fits_the_budget_with_every_step_on_its_worst_path():
    child = distributed_map(asl())["ItemProcessor"]
    worst = batch_worst_case(child["States"][child["StartAt"]], documents=10)
    assert worst.fits, worst.describe()
    assert worst.rounds == 1
    assert [step.name for step in worst.path][:8] == [
        "Fetch",
        "Changed?",
        "Parse",
        "Chunk",
        "Embed",
        "Upsert",
        "Validate",
        "Commit",
    ]
    assert BUDGET_SECONDS - 30 < worst.seconds <= BUDGET_SECONDS


@pytest.mark.parametrize(
    "rag",
    [{"documentsPerBatch": 20}, {"workerCpuSeconds": 30}, {"embedTimeoutSeconds": 120}],
)
def test_a_config_that_breaks_the_budget_fails_synth_naming_the_keys(rag):
    environments = project_context()["environments"]
    environments["dev"] = {**environments["dev"], "rag": rag}
    with pytest.raises(ConfigError) as error:
        build(fresh_app(environments=environments, workflows="rag"), "dev")
    message = str(error.value)
    assert "over the 270 s budget (300 s Express limit - 30 s margin)" in message
    for key in ("documentsPerBatch", "batchConcurrency", "workerCpuSeconds", "embedTimeoutSeconds"):
        assert f"environments.dev.rag.{key}" in message
