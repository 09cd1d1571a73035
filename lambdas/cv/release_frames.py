"""Failure path: return a failed, stopped or timed-out labeling run's frames to awaiting labels.

Finds the run's frames through the LabelingJob index (so it also works when the run failed before
its selection file was written) and explains why the job did not complete.
"""

from __future__ import annotations

import json
from typing import Any

from cv.contract import FRAMES_TABLE_ENV, JOB_INDEX_ENV, JOB_NAME_PREFIX_ENV, LABELING
from cv.frames import job_frames, return_to_awaiting
from cv.jobs import job_name
from shared import clients, environment
from shared.errors import InvalidInput
from shared.task import logger, metrics, task_handler

MAX_REASON = 1000


def describe_failure(error: dict[str, Any] | None) -> tuple[str, str]:
    """(status, reason) from a Catch's `{"Error", "Cause"}`; the cause of a `.sync` job is its description."""
    error = error or {}
    name, cause = str(error.get("Error", "Unknown")), error.get("Cause")
    if name == "States.Timeout":
        return "TimedOut", "the labeling job did not finish within the task timeout"
    description: Any = None
    if isinstance(cause, str):
        try:
            description = json.loads(cause)
        except ValueError:
            description = None
    if isinstance(description, dict) and description.get("LabelingJobStatus"):
        status = str(description["LabelingJobStatus"])
        reason = description.get("FailureReason") or (
            "the labeling job was stopped" if status in ("Stopped", "Stopping") else "no reason given"
        )
        return status, str(reason)[:MAX_REASON]
    return "Failed", f"{name}: {cause}"[:MAX_REASON] if cause else name


@task_handler
def handler(event_input: dict[str, Any], context: object) -> dict[str, Any]:
    task_type = event_input.get("taskType")
    execution_id, started_at = event_input.get("executionId"), event_input.get("startedAt")
    if not all(isinstance(value, str) for value in (task_type, execution_id, started_at)):
        raise InvalidInput("taskType, executionId and startedAt are required strings")
    name = job_name(environment.text(JOB_NAME_PREFIX_ENV), task_type, execution_id, started_at)
    status, reason = describe_failure(event_input.get("error"))
    table = clients.resource("dynamodb").Table(environment.text(FRAMES_TABLE_ENV))
    returned = 0
    for item in job_frames(table, environment.text(JOB_INDEX_ENV), name):
        if item.get("labelStatus") == LABELING and return_to_awaiting(
            table, item["frameId"], task_type, name, f"{status}: {reason}"
        ):
            returned += 1
    metrics.add_metric(name="FramesReturned", unit="Count", value=returned)
    logger.warning(
        "labeling run failed",
        extra={"jobName": name, "status": status, "reason": reason, "returned": returned},
    )
    return {
        "jobName": name,
        "taskType": task_type,
        "status": status,
        "reason": reason,
        "framesReturned": returned,
    }
