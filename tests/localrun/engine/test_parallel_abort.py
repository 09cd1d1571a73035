"""A failed Parallel branch stops its siblings ("Parallel workflow state", Developer Guide): a state
still running in a sibling branch ends with its `*StateAborted` history event."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from localrun import LocalRunner
from tests.localrun.asl_stacks import asl_template


def waiting_task(name: str) -> dict[str, Any]:
    """A branch whose only Task waits for a task token."""
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl.$": "$.queue", "MessageBody": {"token.$": "$$.Task.Token"}},
        "End": True,
    }
    return {"StartAt": name, "States": {name: task}}


@pytest.fixture(scope="module")
def runner() -> Iterator[LocalRunner]:
    nested = {
        "StartAt": "Inner",
        "States": {"Inner": {"Type": "Parallel", "Branches": [waiting_task("Deep")], "End": True}},
    }
    parallel = {
        "Type": "Parallel",
        "Branches": [waiting_task("Ask"), waiting_task("Gate"), nested],
        "End": True,
    }
    template = asl_template(
        "ParallelAbort",
        {"StartAt": "Both", "States": {"Both": parallel}},
        {"Queue": {"Type": "AWS::SQS::Queue"}},
    )
    with LocalRunner(template) as local:
        yield local


def test_running_siblings_end_with_aborted_events_when_a_branch_fails(runner: LocalRunner) -> None:
    execution = runner.start_execution({"queue": runner.resource("Queue").ref})
    execution.wait_for_task_token("Ask")
    execution.wait_for_task_token("Deep")
    runner.send_task_failure(execution.wait_for_task_token("Gate"), "Declined", "gate said no")

    result = execution.wait(30)

    assert (result.status, result.error) == ("FAILED", "Declined")
    aborted = [event["type"] for event in result.events("TaskStateAborted", "ParallelStateAborted")]
    assert sorted(aborted) == ["ParallelStateAborted", "TaskStateAborted"]
    assert not result.events("TaskStateExited", "TaskSucceeded")
    failed = result.events("TaskFailed", "TaskStateAborted", "ParallelStateAborted", "ParallelStateFailed")
    assert failed[-1]["type"] == "ParallelStateFailed"
