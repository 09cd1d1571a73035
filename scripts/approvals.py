"""The reviewer's side of a task-token approval, shared by every workflow's approval script.

The waiting task stored its token KMS-encrypted on an item, bound by encryption context to the
item's id and its execution (lambdas/shared/approval.py). `decide` records who decided on that item
(only once, and only while that very token is there), decrypts the token with that context (a
token made for another item or execution is refused), and hands it to the workflow's `Deliver`
(SendTaskSuccess/SendTaskFailure). A delivery the service refuses withdraws the recorded decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

EXPIRED_ERRORS = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}
FORGED_ERRORS = {"InvalidCiphertextException", "IncorrectKeyException"}
DECISION_FIELDS = "approvalDecision, approvalReviewer, approvalReviewerId, approvalComment, approvalDecidedAt"
AWAITING_APPROVAL = "AWAITING_APPROVAL"

# (stepfunctions client, task token, outcome APPROVED|REJECTED, decided-at timestamp, comment)
Deliver = Callable[[Any, str, str, str, str], None]


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


@dataclass(frozen=True)
class Pending:
    """The item that holds one approval: its table, key attribute and id, and what it is called."""

    table: str
    key_name: str
    item_id: str
    noun: str  # "order", "request": used in messages

    @property
    def key(self) -> dict[str, Any]:
        return {self.key_name: {"S": self.item_id}}

    @property
    def label(self) -> str:
        return f"{self.noun} {self.item_id}"


def decide(pending: Pending, approve: bool, comment: str, aws: Clients, deliver: Deliver) -> dict[str, str]:
    """Deliver the decision on `pending` to its waiting execution; return what was recorded."""
    caller = aws.sts.get_caller_identity()
    reviewer, reviewer_id = str(caller["Arn"]), str(caller["UserId"])
    item = aws.dynamodb.get_item(TableName=pending.table, Key=pending.key, ConsistentRead=True).get("Item")
    if item is None:
        raise ApprovalError(f"{pending.label} is unknown")
    status = item.get("status", {}).get("S", "?")
    ciphertext = item.get("approvalTokenCiphertext", {}).get("B")
    if status != AWAITING_APPROVAL or ciphertext is None:
        raise ApprovalError(f"{pending.label} is {status}, not awaiting approval")
    if "approvalDecision" in item:
        raise ApprovalError(f"{pending.label} was already decided ({item['approvalDecision']['S']})")
    context = {pending.key_name: pending.item_id, "executionId": item.get("executionId", {}).get("S", "")}
    token = decrypt_token(aws.kms, ciphertext, context, pending)
    decided_at = datetime.now(UTC).isoformat(timespec="seconds")
    outcome = "APPROVED" if approve else "REJECTED"
    _record(aws.dynamodb, pending, ciphertext, outcome, reviewer, reviewer_id, comment, decided_at)
    try:
        deliver(aws.stepfunctions, token, outcome, decided_at, comment)
    except ClientError as error:
        aws.dynamodb.update_item(
            TableName=pending.table, Key=pending.key, UpdateExpression=f"REMOVE {DECISION_FIELDS}"
        )
        code = error.response.get("Error", {}).get("Code", "")
        if code in EXPIRED_ERRORS:
            raise ApprovalError(
                f"{pending.label}: the approval request expired or was already decided ({code})"
            ) from None
        raise
    return {
        pending.key_name: pending.item_id,
        "decision": outcome,
        "reviewer": reviewer,
        "decidedAt": decided_at,
    }


def decrypt_token(kms: Any, ciphertext: bytes, context: dict[str, str], pending: Pending) -> str:
    """The task token, provided the ciphertext was made for this item's current execution."""
    try:
        plaintext = kms.decrypt(CiphertextBlob=ciphertext, EncryptionContext=context)["Plaintext"]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in FORGED_ERRORS:
            raise ApprovalError(
                f"{pending.label}: its stored approval token was not issued for this {pending.noun}'s "
                f"execution ({code}); refusing"
            ) from None
        raise
    return bytes(plaintext).decode()


def _record(
    dynamodb: Any,
    pending: Pending,
    ciphertext: bytes,
    outcome: str,
    reviewer: str,
    reviewer_id: str,
    comment: str,
    decided_at: str,
) -> None:
    """Record the decision once, while the token it answers is still the stored one."""
    try:
        dynamodb.update_item(
            TableName=pending.table,
            Key=pending.key,
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
            raise ApprovalError(f"{pending.label} was decided concurrently") from None
        raise
