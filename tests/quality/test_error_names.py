"""Every error a Lambda task's Retry or Catch names is one its code can raise (or a listed outside one)."""

from __future__ import annotations

import json

import pytest

from tests.quality.allowlists import CALLBACK_ERRORS, LIBRARY_ERRORS
from tests.quality.error_names import lambda_task_errors, unmatched
from tests.quality.targets import Target, targets

TARGETS = targets()


@pytest.mark.parametrize("target", TARGETS, ids=[target.label for target in TARGETS])
def test_every_retried_or_caught_error_is_raised_behind_its_state(target: Target):
    findings = unmatched(
        target.workflow, target.template, target.definitions, LIBRARY_ERRORS, CALLBACK_ERRORS
    )
    assert not findings, "\n".join(map(str, findings))


def test_the_listed_outside_errors_are_all_named_by_some_state():
    named = {
        (target.workflow, where.split("/", 1)[1], error)
        for target in TARGETS
        for where, _, error in lambda_task_errors(target.template, target.definitions)
    }
    assert set(LIBRARY_ERRORS) <= {error for _, _, error in named}
    assert set(CALLBACK_ERRORS) <= {f"{workflow}/{state}:{error}" for workflow, state, error in named}
    for reason in [*LIBRARY_ERRORS.values(), *CALLBACK_ERRORS.values()]:
        assert len(reason) > 30


def test_a_renamed_exception_class_is_found():
    """`EmbeddingThrottled` renamed in the handler (the Retry still says the old name) fails the rule:
    simulated by renaming it in the definition instead, which leaves the same mismatch."""
    target = Target("dev", "rag")
    definitions = json.loads(
        json.dumps(target.definitions).replace('"EmbeddingThrottled"', '"EmbeddingThrottledX"')
    )
    assert definitions != target.definitions
    findings = unmatched("rag", target.template, definitions, LIBRARY_ERRORS, CALLBACK_ERRORS)
    assert {finding.error for finding in findings} == {"EmbeddingThrottledX"}
    assert all("DocumentFunctionsEmbedFunction" in finding.message for finding in findings)


def test_an_unlisted_library_or_callback_error_is_found():
    target = Target("dev", "orders")
    findings = unmatched("orders", target.template, target.definitions, {}, {})
    assert {finding.error for finding in findings} == {"IdempotencyAlreadyInProgressError", "OrderRejected"}
