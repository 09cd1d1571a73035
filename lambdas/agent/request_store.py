"""The Requests table: one item per requestId, owned by the execution that started it.

Statuses: RUNNING, AWAITING_APPROVAL, PUBLISHED, or the name of the outcome a run ended with.
The requester is stored only as a hash; the approval token only KMS-encrypted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from agent import contract
from shared import clients, environment
from shared.dynamodb import error_code

RUNNING = "RUNNING"
AWAITING_APPROVAL = "AWAITING_APPROVAL"
PUBLISHED = "PUBLISHED"
# A new execution may take a requestId over only when no run holds it and none published it.
ACTIVE = (RUNNING, AWAITING_APPROVAL, PUBLISHED)
# Request item attributes adding up every model call of the run (`save_call`).
BILLED = {
    "inputTokens": "billedInputTokens",
    "outputTokens": "billedOutputTokens",
    "costUsd": "billedCostUsd",
}


class Taken(Exception):
    """Another execution holds the requestId; `item` is its current item."""

    def __init__(self, item: dict[str, Any]) -> None:
        super().__init__(item.get("status", {}).get("S", "?"))
        self.item = item


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def requester_hash(requester: str) -> str:
    return hashlib.sha256(requester.encode()).hexdigest()


def table() -> str:
    return environment.text(contract.REQUESTS_TABLE_ENV)


def key(request_id: str) -> dict[str, Any]:
    return {contract.REQUESTS_KEY: {"S": request_id}}


def claim(request_id: str, execution: str, requester: str) -> None:
    """Put the RUNNING item for `execution`; a retried claim by the same execution succeeds.
    Raise `Taken` when another execution holds the requestId or it was published."""
    try:
        clients.client("dynamodb").put_item(
            TableName=table(),
            Item={
                **key(request_id),
                "executionId": {"S": execution},
                "status": {"S": RUNNING},
                "requesterHash": {"S": requester_hash(requester)},
                "createdAt": {"S": now()},
            },
            ConditionExpression=(
                "attribute_not_exists(requestId) OR executionId = :execution "
                "OR NOT (#status IN (:running, :awaiting, :published))"
            ),
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":execution": {"S": execution},
                ":running": {"S": RUNNING},
                ":awaiting": {"S": AWAITING_APPROVAL},
                ":published": {"S": PUBLISHED},
            },
        )
    except ClientError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise
        raise Taken(get(request_id) or {}) from None


def get(request_id: str) -> dict[str, Any] | None:
    response = clients.client("dynamodb").get_item(
        TableName=table(), Key=key(request_id), ConsistentRead=True
    )
    item: dict[str, Any] | None = response.get("Item")
    return item


def save_usage(request_id: str, usage: Mapping[str, Any]) -> None:
    """Keep the run's usage on its item, so a run that fails still reports what it spent."""
    clients.client("dynamodb").update_item(
        TableName=table(),
        Key=key(request_id),
        UpdateExpression="SET #usage = :usage, updatedAt = :now",
        ExpressionAttributeNames={"#usage": "usage"},
        ExpressionAttributeValues={":usage": {"S": json.dumps(dict(usage))}, ":now": {"S": now()}},
    )


def save_call(request_id: str, usage: Mapping[str, Any], call: Mapping[str, Any]) -> dict[str, Any]:
    """Keep the run's usage after a model call and add the call to what the run is billed for;
    return the billed totals. A call made again after its response was lost is billed twice while
    the run's usage (carried in the execution's state) counts it once."""
    response = clients.client("dynamodb").update_item(
        TableName=table(),
        Key=key(request_id),
        UpdateExpression=(
            "SET #usage = :usage, updatedAt = :now "
            f"ADD {BILLED['inputTokens']} :in, {BILLED['outputTokens']} :out, {BILLED['costUsd']} :cost"
        ),
        ExpressionAttributeNames={"#usage": "usage"},
        ExpressionAttributeValues={
            ":usage": {"S": json.dumps(dict(usage))},
            ":now": {"S": now()},
            ":in": {"N": str(int(call["inputTokens"]))},
            ":out": {"N": str(int(call["outputTokens"]))},
            ":cost": {"N": f"{float(call['costUsd']):.6f}"},
        },
        ReturnValues="UPDATED_NEW",
    )
    return billed_usage(response.get("Attributes"))


def billed_usage(item: Mapping[str, Any] | None) -> dict[str, Any]:
    """Tokens and cost of every model call the run made, repeated calls included."""
    found = item or {}
    numbers = {name: found.get(attribute, {}).get("N", "0") for name, attribute in BILLED.items()}
    return {
        "inputTokens": int(numbers["inputTokens"]),
        "outputTokens": int(numbers["outputTokens"]),
        "costUsd": round(float(numbers["costUsd"]), 6),
    }


def stored_usage(item: Mapping[str, Any] | None) -> dict[str, Any]:
    raw = (item or {}).get("usage", {}).get("S")
    return dict(json.loads(raw)) if raw else {}


def finish(request_id: str, execution: str, status: str, extra: Mapping[str, str] | None = None) -> bool:
    """Set the final status (and `extra` string attributes), dropping any approval token; only the
    owning execution may. True if it did."""
    names = {"#status": "status"}
    values = {":status": {"S": status}, ":now": {"S": now()}, ":execution": {"S": execution}}
    sets = ["#status = :status", "updatedAt = :now"]
    for index, (name, value) in enumerate((extra or {}).items()):
        names[f"#x{index}"] = name
        values[f":x{index}"] = {"S": value}
        sets.append(f"#x{index} = :x{index}")
    try:
        clients.client("dynamodb").update_item(
            TableName=table(),
            Key=key(request_id),
            UpdateExpression=f"SET {', '.join(sets)} REMOVE approvalTokenCiphertext",
            ConditionExpression="executionId = :execution",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except ClientError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise
        return False
    return True
