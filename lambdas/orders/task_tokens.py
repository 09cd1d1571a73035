"""Task tokens parked on an order's status item: encrypted under a key only one deciding role may
decrypt with, bound by encryption context to the order and the execution that issued them, and
stored (`store_token`) with the status and expiry of the wait."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from orders import contract
from shared import approval, clients, environment
from shared.errors import InvalidInput
from shared.task import execution_id, logger


@dataclass(frozen=True)
class TokenWait:
    """One kind of wait on a status item: its key and timeout variables, status and attributes."""

    key_variable: str  # the environment variable naming the KMS key the token is encrypted under
    timeout_variable: str  # the environment variable: how many seconds the wait lasts
    status: str
    token: str  # the attribute holding the encrypted token
    since: str  # the attribute recording when the wait began
    expires: str  # the attribute recording when it times out
    remove: tuple[str, ...] = ()  # attributes a new wait clears (the previous answer)


APPROVAL = TokenWait(
    contract.APPROVAL_TOKEN_KEY_ENV,
    contract.APPROVAL_TIMEOUT_ENV,
    "AWAITING_APPROVAL",
    token="approvalTokenCiphertext",
    since="approvalRequestedAt",
    expires="approvalExpiresAt",
)
# The operator's answer (scripts/orders/parked.py) is cleared when the order is parked again.
OPERATOR = TokenWait(
    contract.OPERATOR_TOKEN_KEY_ENV,
    contract.PARKED_TIMEOUT_ENV,
    "NEEDS_ATTENTION",
    token="parkedTokenCiphertext",
    since="parkedAt",
    expires="parkedExpiresAt",
    remove=("parkedDecision", "parkedOperator", "parkedOperatorId", "parkedComment", "parkedDecidedAt"),
)


def token_context(order_id: str, execution: str) -> dict[str, str]:
    """The KMS encryption context that binds a stored token to its order and execution."""
    return dict(zip(contract.TOKEN_CONTEXT_KEYS, (order_id, execution), strict=True))


def encrypt_token(key_variable: str, token: str, order_id: str, execution: str) -> bytes:
    """`token` encrypted under the key the environment variable `key_variable` names."""
    return approval.encrypt_token(token, token_context(order_id, execution), key_variable)


def order_id(event_input: Mapping[str, Any], fields: Sequence[str]) -> str:
    """The input's order id (added to the log keys), once every one of `fields` is a string."""
    missing = [name for name in fields if not isinstance(event_input.get(name), str)]
    if missing:
        raise InvalidInput(f"{missing[0]}: required string")
    logger.append_keys(order_id=event_input["orderId"])
    return str(event_input["orderId"])


def store_token(wait: TokenWait, order_id: str, token: str, step: str, values: Mapping[str, str]) -> str:
    """Store `token` encrypted on the order's status item with the wait's status, `step` and
    `values` (attribute: text), if the item belongs to this execution; return the expiry time."""
    execution = execution_id()
    ciphertext = encrypt_token(wait.key_variable, token, order_id, execution)
    now = datetime.now(UTC)
    expires = (now + timedelta(seconds=environment.integer(wait.timeout_variable))).isoformat(
        timespec="seconds"
    )
    assignments = [
        "#status = :status",
        "step = :step",
        *(f"{name} = :v{index}" for index, name in enumerate(values)),
        f"{wait.token} = :token",
        f"{wait.since} = :now",
        f"{wait.expires} = :expires",
        "updatedAt = :now",
    ]
    removals = f" REMOVE {', '.join(wait.remove)}" if wait.remove else ""
    clients.client("dynamodb").update_item(
        TableName=environment.text(contract.STATUS_TABLE_ENV),
        Key={contract.ORDER_KEY: {"S": order_id}},
        UpdateExpression=f"SET {', '.join(assignments)}{removals}",
        ConditionExpression="attribute_exists(orderId) AND executionId = :executionId",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":status": {"S": wait.status},
            ":step": {"S": step},
            **{f":v{index}": {"S": value} for index, value in enumerate(values.values())},
            ":token": {"B": ciphertext},
            ":now": {"S": now.isoformat(timespec="seconds")},
            ":expires": {"S": expires},
            ":executionId": {"S": execution},
        },
    )
    return expires
