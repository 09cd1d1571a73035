"""Approve or reject an order that waits for a human decision, by order id.

    python -m scripts.orders.approval approve ORDER_ID [--reviewer NAME] [--comment TEXT] [--env dev]
    python -m scripts.orders.approval reject  ORDER_ID --comment "why" [--env dev]

The task token is read from the order's status item (stored by the RequestApproval task);
approving resumes the saga, rejecting fails the waiting task with `OrderRejected`, which
releases the reserved stock and records the order as REJECTED.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import UTC, datetime
from typing import Any, Literal

import boto3
from botocore.exceptions import ClientError

from scripts.orders.stack_outputs import OutputMissing, stack_output

Decision = Literal["approve", "reject"]
EXPIRED_ERRORS = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}


class ApprovalError(RuntimeError):
    """The decision could not be delivered; the message says why."""


def decide(
    order_id: str,
    decision: Decision,
    *,
    reviewer: str,
    comment: str = "",
    table_name: str,
    dynamodb: Any | None = None,
    stepfunctions: Any | None = None,
) -> dict[str, str]:
    """Deliver `decision` for `order_id` to its waiting execution; return what was recorded."""
    dynamodb = dynamodb or boto3.client("dynamodb")
    stepfunctions = stepfunctions or boto3.client("stepfunctions")
    item = dynamodb.get_item(TableName=table_name, Key={"orderId": {"S": order_id}}, ConsistentRead=True).get(
        "Item"
    )
    if item is None:
        raise ApprovalError(f"order {order_id} is unknown")
    status = item.get("status", {}).get("S", "?")
    token = item.get("approvalToken", {}).get("S")
    if status != "AWAITING_APPROVAL" or not token:
        raise ApprovalError(f"order {order_id} is {status}, not awaiting approval")
    decided_at = datetime.now(UTC).isoformat(timespec="seconds")
    outcome = "APPROVED" if decision == "approve" else "REJECTED"
    key = {"orderId": {"S": order_id}}
    try:
        dynamodb.update_item(
            TableName=table_name,
            Key=key,
            UpdateExpression=(
                "SET approvalDecision = :decision, approvalReviewer = :reviewer, "
                "approvalComment = :comment, approvalDecidedAt = :at"
            ),
            ConditionExpression="approvalToken = :token AND attribute_not_exists(approvalDecision)",
            ExpressionAttributeValues={
                ":decision": {"S": outcome},
                ":reviewer": {"S": reviewer},
                ":comment": {"S": comment},
                ":at": {"S": decided_at},
                ":token": {"S": token},
            },
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise ApprovalError(f"order {order_id} was decided concurrently") from None
        raise
    try:
        _deliver(stepfunctions, token, outcome, reviewer, comment, decided_at)
    except ClientError as error:
        dynamodb.update_item(
            TableName=table_name,
            Key=key,
            UpdateExpression="REMOVE approvalDecision, approvalReviewer, approvalComment, approvalDecidedAt",
        )
        code = error.response.get("Error", {}).get("Code", "")
        if code in EXPIRED_ERRORS:
            raise ApprovalError(
                f"order {order_id}: the approval request expired or was already decided ({code})"
            ) from None
        raise
    return {"orderId": order_id, "decision": outcome, "reviewer": reviewer, "decidedAt": decided_at}


def _deliver(
    stepfunctions: Any, token: str, outcome: str, reviewer: str, comment: str, decided_at: str
) -> None:
    """Resume the waiting task: success carries the decision, failure is `OrderRejected`."""
    if outcome == "APPROVED":
        stepfunctions.send_task_success(
            taskToken=token,
            output=json.dumps(
                {"decision": outcome, "reviewer": reviewer, "comment": comment, "decidedAt": decided_at}
            ),
        )
    else:
        stepfunctions.send_task_failure(
            taskToken=token,
            error="OrderRejected",
            cause=f"Rejected by {reviewer}: {comment or 'no reason given'}"[:32_000],
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("decision", choices=["approve", "reject"])
    parser.add_argument("order_id")
    parser.add_argument("--reviewer", default=getpass.getuser())
    parser.add_argument("--comment", default="")
    parser.add_argument("--env", default="dev", help="environment whose stack to use")
    parser.add_argument("--table", help="status table name (default: from the stack outputs)")
    args = parser.parse_args(argv)
    try:
        table = args.table or stack_output(args.env, "StatusTableName")
        result = decide(
            args.order_id, args.decision, reviewer=args.reviewer, comment=args.comment, table_name=table
        )
    except (ApprovalError, OutputMissing) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
