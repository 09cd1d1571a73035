"""Approve or reject an order that waits for a human decision, by order id.

    python -m scripts.orders.approval approve ORDER_ID [--comment TEXT] [--env dev]
    python -m scripts.orders.approval reject  ORDER_ID --comment "why" [--env dev]

Run it with the credentials of the stack's approver role (`ApproverRoleArn` output): only that
role can decrypt the task token stored (encrypted) on the order's status item, and only it may
call SendTaskSuccess/SendTaskFailure. The reviewer recorded is the caller's IAM principal, as
`sts:GetCallerIdentity` reports it. Approving resumes the saga; rejecting fails the waiting task
with `OrderRejected`, which releases the reserved stock and records the order as REJECTED. An order
not awaiting approval, already decided, or whose stored token does not belong to it (another
order's or an earlier execution's) is refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import boto3
from botocore.exceptions import ClientError

from scripts.exit_codes import EXIT_CODES, EXIT_FAILED, EXIT_USAGE
from scripts.orders.stack_outputs import OutputMissing, stack_output

Decision = Literal["approve", "reject"]
EXPIRED_ERRORS = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}
FORGED_ERRORS = {"InvalidCiphertextException", "IncorrectKeyException"}
DECISION_FIELDS = "approvalDecision, approvalReviewer, approvalReviewerId, approvalComment, approvalDecidedAt"


class ApprovalError(RuntimeError):
    """The decision could not be delivered; the message says why."""


@dataclass(frozen=True)
class Clients:
    """The AWS clients a decision uses, all with the reviewer's credentials."""

    dynamodb: Any
    stepfunctions: Any
    kms: Any
    sts: Any

    @classmethod
    def default(cls, session: Any | None = None) -> Clients:
        session = session or boto3.Session()
        return cls(*(session.client(name) for name in ("dynamodb", "stepfunctions", "kms", "sts")))


def decide(
    order_id: str, decision: Decision, *, comment: str = "", table_name: str, clients: Clients | None = None
) -> dict[str, str]:
    """Deliver `decision` for `order_id` to its waiting execution; return what was recorded."""
    aws = clients or Clients.default()
    caller = aws.sts.get_caller_identity()
    reviewer, reviewer_id = str(caller["Arn"]), str(caller["UserId"])
    key = {"orderId": {"S": order_id}}
    item = aws.dynamodb.get_item(TableName=table_name, Key=key, ConsistentRead=True).get("Item")
    if item is None:
        raise ApprovalError(f"order {order_id} is unknown")
    status = item.get("status", {}).get("S", "?")
    ciphertext = item.get("approvalTokenCiphertext", {}).get("B")
    if status != "AWAITING_APPROVAL" or ciphertext is None:
        raise ApprovalError(f"order {order_id} is {status}, not awaiting approval")
    if "approvalDecision" in item:
        raise ApprovalError(f"order {order_id} was already decided ({item['approvalDecision']['S']})")
    token = _decrypt(aws.kms, ciphertext, order_id, item.get("executionId", {}).get("S", ""))
    decided_at = datetime.now(UTC).isoformat(timespec="seconds")
    outcome = "APPROVED" if decision == "approve" else "REJECTED"
    try:
        aws.dynamodb.update_item(
            TableName=table_name,
            Key=key,
            UpdateExpression=(
                "SET approvalDecision = :decision, approvalReviewer = :reviewer, "
                "approvalReviewerId = :reviewerId, approvalComment = :comment, approvalDecidedAt = :at"
            ),
            ConditionExpression="approvalTokenCiphertext = :token AND attribute_not_exists(approvalDecision)",
            ExpressionAttributeValues={
                ":decision": {"S": outcome},
                ":reviewer": {"S": reviewer},
                ":reviewerId": {"S": reviewer_id},
                ":comment": {"S": comment},
                ":at": {"S": decided_at},
                ":token": {"B": ciphertext},
            },
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise ApprovalError(f"order {order_id} was decided concurrently") from None
        raise
    try:
        _deliver(aws.stepfunctions, token, outcome, decided_at)
    except ClientError as error:
        aws.dynamodb.update_item(TableName=table_name, Key=key, UpdateExpression=f"REMOVE {DECISION_FIELDS}")
        code = error.response.get("Error", {}).get("Code", "")
        if code in EXPIRED_ERRORS:
            raise ApprovalError(
                f"order {order_id}: the approval request expired or was already decided ({code})"
            ) from None
        raise
    return {"orderId": order_id, "decision": outcome, "reviewer": reviewer, "decidedAt": decided_at}


def _decrypt(kms: Any, ciphertext: bytes, order_id: str, execution_id: str) -> str:
    """The task token, provided the ciphertext was made for this order's current execution."""
    try:
        plaintext = kms.decrypt(
            CiphertextBlob=ciphertext,
            EncryptionContext={"orderId": order_id, "executionId": execution_id},
        )["Plaintext"]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in FORGED_ERRORS:
            raise ApprovalError(
                f"order {order_id}: its stored approval token was not issued for this order's execution "
                f"({code}); refusing"
            ) from None
        raise
    return bytes(plaintext).decode()


def _deliver(stepfunctions: Any, token: str, outcome: str, decided_at: str) -> None:
    """Resume the waiting task: success carries the decision, failure is `OrderRejected`. Who decided
    and why stay on the status item, out of the execution's state and logs."""
    if outcome == "APPROVED":
        stepfunctions.send_task_success(
            taskToken=token, output=json.dumps({"decision": outcome, "decidedAt": decided_at})
        )
    else:
        stepfunctions.send_task_failure(
            taskToken=token,
            error="OrderRejected",
            cause=f"Rejected at {decided_at}; the reviewer and comment are on the order's status item",
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.orders.approval", description=__doc__.split("\n\n")[0], epilog=EXIT_CODES
    )
    parser.add_argument("decision", choices=["approve", "reject"], help="approve or reject the order")
    parser.add_argument("order_id", help="the order waiting for approval (its orderId)")
    parser.add_argument("--comment", default="", help="a note recorded with the decision")
    parser.add_argument("--env", default="dev", help="environment whose stack to use")
    parser.add_argument("--table", help="status table name (default: from the stack outputs)")
    args = parser.parse_args(argv)
    try:
        table = args.table or stack_output(args.env, "StatusTableName")
        result = decide(args.order_id, args.decision, comment=args.comment, table_name=table)
    except OutputMissing as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ApprovalError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
