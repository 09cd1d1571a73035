"""Frame status transitions in the frames table, each guarded by the owning labeling job."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from cv.model import AWAITING, LABELED, LABELING


def _guarded(table: Any, **kwargs: Any) -> bool:
    try:
        table.update_item(**kwargs)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def return_to_awaiting(table: Any, frame_id: str, task_type: str, job_name: str, reason: str) -> bool:
    """LABELING by this job -> awaiting again (back in the AwaitingLabels index)."""
    return _guarded(
        table,
        Key={"frameId": frame_id},
        UpdateExpression="SET labelStatus = :awaiting, awaitingTask = :task, lastLabelingError = :reason "
        "REMOVE labelingJob, claimedAt",
        ConditionExpression="labelingJob = :job AND labelStatus = :labeling",
        ExpressionAttributeValues={
            ":awaiting": AWAITING,
            ":task": task_type,
            ":reason": reason[:1000],
            ":job": job_name,
            ":labeling": LABELING,
        },
    )


def mark_labeled(table: Any, frame_id: str, job_name: str, objects: int, dataset_key: str) -> bool:
    """LABELING by this job -> LABELED, with where its labels went."""
    return _guarded(
        table,
        Key={"frameId": frame_id},
        UpdateExpression="SET labelStatus = :labeled, labeledAt = :now, labelObjects = :objects, "
        "datasetKey = :dataset",
        ConditionExpression="labelingJob = :job AND labelStatus = :labeling",
        ExpressionAttributeValues={
            ":labeled": LABELED,
            ":now": datetime.now(UTC).isoformat(),
            ":objects": objects,
            ":dataset": dataset_key,
            ":job": job_name,
            ":labeling": LABELING,
        },
    )
