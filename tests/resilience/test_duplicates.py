"""Duplicates: each workflow's happy path started twice with the same business key has one set of
side effects (the second start ends as `outcomes.WorkflowPolicy.duplicate_ends` says)."""

from __future__ import annotations

import pytest

from stacks.application import WORKFLOW_STACKS
from tests.resilience.conftest import Harnesses
from tests.resilience.harness import Scenario
from tests.resilience.outcomes import POLICIES

HAPPY_PATHS = [
    pytest.param(workflow, sample, id=f"{workflow}:{sample}")
    for workflow in sorted(WORKFLOW_STACKS)
    for sample in POLICIES[workflow].happy_paths.values()
]


@pytest.mark.parametrize(("workflow", "sample_name"), HAPPY_PATHS)
def test_the_same_business_key_twice_has_one_set_of_side_effects(
    workflow: str, sample_name: str, harnesses: Harnesses
) -> None:
    harness = harnesses[workflow]
    sample = harness.samples[sample_name]
    first_name, second_name = harness.duplicate_names(sample)
    context = harness.fresh(sample, history=False)

    first = harness.execute(Scenario(sample), context=context, name=first_name)
    assert first.result is not None and first.result.status == sample.expect.status, first.summary
    assert not first.problems, first.problems
    after_first = harness.business_state(sample)

    second = harness.execute(Scenario(sample), context=context, name=second_name)
    assert second.result is not None, second.summary
    ends = POLICIES[workflow].duplicate_ends
    assert any(second.summary.startswith(end) for end in ends), f"{second.summary}, expected {sorted(ends)}"
    assert not second.problems, second.problems
    assert harness.business_state(sample) == after_first, "the duplicate start changed the side effects"
