"""The deciding side of a task-token wait, shared by every script that answers one.

The waiting task stored its token KMS-encrypted on an item, bound by encryption context to the
item's id and its execution (lambdas/shared/approval.py). `decide` records who decided on that item
(only once, and only while that very token is there), decrypts the token with that context (a
token made for another item or execution is refused), and hands it to the workflow's `Deliver`
(SendTaskSuccess/SendTaskFailure). A delivery the service refuses withdraws the recorded decision.
Which attributes hold the token and the decision, and what the waiting status is, is the `Wait`:
an approval (`APPROVAL`), or a parked order waiting for an operator (scripts/orders/parked.py).
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
AWAITING_APPROVAL = "AWAITING_APPROVAL"
APPROVED, REJECTED = "APPROVED", "REJECTED"

# (stepfunctions client, task token, recorded decision, decided-at timestamp, comment)
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
class Wait:
    """One kind of task-token wait: the item's status while it waits, the attributes holding the
    token and the decision, and the words messages use for it."""

    status: str  # the item's status while the token waits
    state: str  # that status in messages: "{item} is COMPLETED, not awaiting approval"
    token: str  # the encrypted token
    decision: str
    decider: str  # the caller's IAM principal ARN
    decider_id: str  # and its unique id
    comment: str
    decided_at: str
    decided: str = "decided"  # the verb: "was already decided"
    request: str = "the approval request"  # "{item}: the approval request expired"
    whom: str = "a reviewer"  # "{item} is not waiting for a reviewer"
    reported: tuple[str, ...] = ()  # item attributes (strings) the result repeats

    @property
    def recorded(self) -> tuple[str, ...]:
        """The attributes a decision writes (and a refused delivery removes)."""
        return (self.decision, self.decider, self.decider_id, self.comment, self.decided_at)


APPROVAL = Wait(
    status=AWAITING_APPROVAL,
    state="awaiting approval",
    token="approvalTokenCiphertext",
    decision="approvalDecision",
    decider="approvalReviewer",
    decider_id="approvalReviewerId",
    comment="approvalComment",
    decided_at="approvalDecidedAt",
)


@dataclass(frozen=True)
class Pending:
    """The item that holds one wait: its table, key attribute and id, what it is called, which wait."""

    table: str
    key_name: str
    item_id: str
    noun: str  # "order", "request": used in messages
    wait: Wait = APPROVAL

    @property
    def key(self) -> dict[str, Any]:
        return {self.key_name: {"S": self.item_id}}

    @property
    def label(self) -> str:
        return f"{self.noun} {self.item_id}"


def decide(pending: Pending, decision: str, comment: str, aws: Clients, deliver: Deliver) -> dict[str, str]:
    """Record `decision` on `pending` and deliver it to its waiting execution; return what was recorded."""
    caller = aws.sts.get_caller_identity()
    decider, decider_id = str(caller["Arn"]), str(caller["UserId"])
    wait = pending.wait
    item = waiting_item(aws.dynamodb, pending)
    ciphertext = item[wait.token]["B"]
    context = {pending.key_name: pending.item_id, "executionId": item.get("executionId", {}).get("S", "")}
    token = decrypt_token(aws.kms, ciphertext, context, pending)
    decided_at = datetime.now(UTC).isoformat(timespec="seconds")
    _record(aws.dynamodb, pending, ciphertext, (decision, decider, decider_id, comment, decided_at))
    try:
        deliver(aws.stepfunctions, token, decision, decided_at, comment)
    except ClientError as error:
        aws.dynamodb.update_item(
            TableName=pending.table, Key=pending.key, UpdateExpression=f"REMOVE {', '.join(wait.recorded)}"
        )
        code = error.response.get("Error", {}).get("Code", "")
        if code in EXPIRED_ERRORS:
            raise ApprovalError(
                f"{pending.label}: {wait.request} expired or was already {wait.decided} ({code})"
            ) from None
        raise
    reported = {name: str(item.get(name, {}).get("S", "")) for name in wait.reported}
    return {
        pending.key_name: pending.item_id,
        "decision": decision,
        "reviewer": decider,
        **reported,
        "decidedAt": decided_at,
    }


def waiting_item(dynamodb: Any, pending: Pending) -> dict[str, Any]:
    """The item, provided it waits with a token nobody has decided yet; else `ApprovalError`."""
    wait = pending.wait
    item = dynamodb.get_item(TableName=pending.table, Key=pending.key, ConsistentRead=True).get("Item")
    if item is None:
        raise ApprovalError(f"{pending.label} is unknown")
    status = item.get("status", {}).get("S", "?")
    if status != wait.status:
        raise ApprovalError(f"{pending.label} is {status}, not {wait.state}")
    if wait.decision in item:
        raise ApprovalError(f"{pending.label} was already {wait.decided} ({item[wait.decision]['S']})")
    if wait.token not in item:
        raise ApprovalError(f"{pending.label} is not waiting for {wait.whom} (no task token stored)")
    return dict(item)


def decrypt_token(kms: Any, ciphertext: bytes, context: dict[str, str], pending: Pending) -> str:
    """The task token, provided the ciphertext was made for this item's current execution."""
    try:
        plaintext = kms.decrypt(CiphertextBlob=ciphertext, EncryptionContext=context)["Plaintext"]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in FORGED_ERRORS:
            raise ApprovalError(
                f"{pending.label}: its stored token was not issued for this {pending.noun}'s "
                f"execution ({code}); refusing"
            ) from None
        raise
    return bytes(plaintext).decode()


def _record(dynamodb: Any, pending: Pending, ciphertext: bytes, values: tuple[str, ...]) -> None:
    """Record the decision (`Wait.recorded`, in order) once, while the token it answers is still the
    stored one."""
    wait = pending.wait
    names = {f"#a{index}": name for index, name in enumerate(wait.recorded)}
    try:
        dynamodb.update_item(
            TableName=pending.table,
            Key=pending.key,
            UpdateExpression="SET " + ", ".join(f"#a{index} = :v{index}" for index in range(len(names))),
            ConditionExpression="#token = :token AND attribute_not_exists(#a0)",
            ExpressionAttributeNames={**names, "#token": wait.token},
            ExpressionAttributeValues={
                **{f":v{index}": {"S": value} for index, value in enumerate(values)},
                ":token": {"B": ciphertext},
            },
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise ApprovalError(f"{pending.label} was {wait.decided} concurrently") from None
        raise
