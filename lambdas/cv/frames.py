"""Frames-table access: paged queries and status transitions, each guarded by the owning labeling job."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from cv.contract import AWAITING, AWAITING_TASK, FRAME_ID, LABELED, LABELING, LABELING_JOB


def query_items(table: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item a `table.query(**kwargs)` matches, page by page (pages are read lazily)."""
    while True:
        page = table.query(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def job_frames(table: Any, index_name: str, job_name: str) -> Iterator[dict[str, Any]]:
    """The frames whose `labelingJob` is `job_name`, through the LabelingJob index."""
    return query_items(table, IndexName=index_name, KeyConditionExpression=Key(LABELING_JOB).eq(job_name))


def guarded_update(table: Any, **kwargs: Any) -> bool:
    """`table.update_item(**kwargs)`; False (not an error) when its condition does not hold."""
    try:
        table.update_item(**kwargs)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _owned_transition(table: Any, frame_id: str, job_name: str, update: str, values: dict[str, Any]) -> bool:
    """Apply `update` to a frame only while it is LABELING for `job_name`."""
    return guarded_update(
        table,
        Key={FRAME_ID: frame_id},
        UpdateExpression=update,
        ConditionExpression=f"{LABELING_JOB} = :job AND labelStatus = :labeling",
        ExpressionAttributeValues={**values, ":job": job_name, ":labeling": LABELING},
    )


def return_to_awaiting(table: Any, frame_id: str, task_type: str, job_name: str, reason: str) -> bool:
    """LABELING by this job -> awaiting again (back in the AwaitingLabels index)."""
    return _owned_transition(
        table,
        frame_id,
        job_name,
        f"SET labelStatus = :awaiting, {AWAITING_TASK} = :task, lastLabelingError = :reason "
        f"REMOVE {LABELING_JOB}, claimedAt",
        {":awaiting": AWAITING, ":task": task_type, ":reason": reason[:1000]},
    )


def mark_labeled(table: Any, frame_id: str, job_name: str, objects: int, dataset_key: str) -> bool:
    """LABELING by this job -> LABELED, with where its labels went."""
    return _owned_transition(
        table,
        frame_id,
        job_name,
        "SET labelStatus = :labeled, labeledAt = :now, labelObjects = :objects, datasetKey = :dataset",
        {
            ":labeled": LABELED,
            ":now": datetime.now(UTC).isoformat(),
            ":objects": objects,
            ":dataset": dataset_key,
        },
    )
