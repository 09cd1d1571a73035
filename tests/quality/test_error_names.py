"""Every error a Task's Retry or Catch names can happen: one its Lambda code raises (or a listed
outside one), or a service error named as Step Functions names it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.quality.allowlists import CALLBACK_ERRORS, LIBRARY_ERRORS
from tests.quality.error_names import (
    lambda_task_errors,
    misnamed_service_errors,
    service_task_errors,
    subclasses,
    unmatched,
)
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


@pytest.mark.parametrize("target", TARGETS, ids=[target.label for target in TARGETS])
def test_every_service_error_is_named_as_step_functions_reports_it(target: Target):
    findings = misnamed_service_errors(target.definitions)
    assert not findings, "\n".join(map(str, findings))


def test_the_service_rule_sees_every_directly_called_service():
    services = {service for target in TARGETS for _, service, _ in service_task_errors(target.definitions)}
    assert {"dynamodb", "sns", "sqs", "events", "s3", "organizations", "cloudformation"} <= services
    assert {"sagemaker", "cloudwatch"} <= services


@pytest.mark.parametrize(
    ("name", "renamed", "message"),
    [
        ("DynamoDB.RequestLimitExceededException", "DynamoDB.RequestLimitExceeded", "`Exception` suffix"),
        ("SQS.RequestThrottledException", "SNS.RequestThrottledException", "not a SQS error"),
    ],
)
def test_a_misnamed_service_error_is_found(name: str, renamed: str, message: str):
    """The names this rule would have caught before the retry tables were fixed."""
    target = Target("dev", "orders")
    definitions = json.loads(json.dumps(target.definitions).replace(f'"{name}"', f'"{renamed}"'))
    assert definitions != target.definitions
    findings = misnamed_service_errors(definitions)
    assert {finding.error for finding in findings} == {renamed}
    assert all(message in finding.message for finding in findings)


def test_a_service_without_a_known_prefix_is_found():
    definition = {
        "StartAt": "Send",
        "States": {
            "Send": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:kinesis:putRecord",
                "Retry": [{"ErrorEquals": ["Kinesis.ProvisionedThroughputExceededException"]}],
                "End": True,
            }
        },
    }
    findings = misnamed_service_errors({"Machine": definition})
    assert [(finding.where, finding.error) for finding in findings] == [
        ("Machine/Send", "Kinesis.ProvisionedThroughputExceededException")
    ]
    assert "SERVICE_ERROR_PREFIXES" in findings[0].message


def test_only_task_error_subclasses_count_as_raised():
    """An exception class outside the TaskError tree (a `ValueError` subclass) is no named task error."""
    classes = {
        "TaskError": ["Exception"],
        "TransientError": ["TaskError"],
        "EmbeddingThrottled": ["TransientError"],
        "ParseProblem": ["ValueError"],
    }
    assert subclasses({"TaskError"}, classes) == {"TaskError", "TransientError", "EmbeddingThrottled"}


def test_a_retried_class_outside_the_task_error_tree_is_found(monkeypatch: pytest.MonkeyPatch):
    """The rag Embed handler's `EmbeddingThrottled` re-based on `ValueError`: the Retry naming it fails."""
    from tests.quality import error_names

    real = error_names._classes

    def rebased(template: dict[str, Any], function: str) -> dict[str, list[str]]:
        classes = real(template, function)
        if "EmbeddingThrottled" in classes:
            classes["EmbeddingThrottled"] = ["ValueError"]
        return classes

    monkeypatch.setattr(error_names, "_classes", rebased)
    target = Target("dev", "rag")
    findings = unmatched("rag", target.template, target.definitions, LIBRARY_ERRORS, CALLBACK_ERRORS)
    assert {finding.error for finding in findings} == {"EmbeddingThrottled"}
    assert all("no TaskError subclass" in finding.message for finding in findings)
