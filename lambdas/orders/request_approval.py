"""Request-approval task (`.waitForTaskToken`): park the task token, encrypted, and notify reviewers.

The token is encrypted with the approval token key (KMS; only the stack's approver role may
decrypt, and only with this order's `orderId` and `executionId` as encryption context) and stored
on the order's status item as `approvalTokenCiphertext`, which every later status change removes.
`python -m scripts.orders.approval`, run as the approver role, decrypts it and decides. The
notification names the order, the amounts and why it needs review, never the token.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from orders import contract
from orders.task_tokens import token_context
from shared import approval, clients, environment
from shared.errors import InvalidInput
from shared.task import execution_id, logger, task_handler

FIELDS = ("orderId", "customerId", "total", "currency", "approvalReason", "spendInWindow", "taskToken")


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Store the encrypted task token on the status item, then publish the approval request."""
    missing = [name for name in FIELDS if not isinstance(event_input.get(name), str)]
    if missing:
        raise InvalidInput(f"{missing[0]}: required string")
    order_id = event_input["orderId"]
    logger.append_keys(order_id=order_id)
    ciphertext = approval.encrypt_token(
        event_input["taskToken"], token_context(order_id, execution_id()), contract.APPROVAL_TOKEN_KEY_ENV
    )
    now = datetime.now(UTC)
    expires = now + timedelta(seconds=environment.integer(contract.APPROVAL_TIMEOUT_ENV))
    clients.client("dynamodb").update_item(
        TableName=environment.text(contract.STATUS_TABLE_ENV),
        Key={"orderId": {"S": order_id}},
        UpdateExpression=(
            "SET #status = :status, step = :step, approvalTokenCiphertext = :token, "
            "approvalReason = :reason, approvalRequestedAt = :now, approvalExpiresAt = :expires, "
            "updatedAt = :now"
        ),
        ConditionExpression="attribute_exists(orderId) AND executionId = :executionId",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":status": {"S": "AWAITING_APPROVAL"},
            ":step": {"S": "APPROVAL"},
            ":token": {"B": ciphertext},
            ":reason": {"S": event_input["approvalReason"]},
            ":now": {"S": now.isoformat(timespec="seconds")},
            ":expires": {"S": expires.isoformat(timespec="seconds")},
            ":executionId": {"S": execution_id()},
        },
    )
    message = {
        "orderId": order_id,
        "customerId": event_input["customerId"],
        "total": event_input["total"],
        "currency": event_input["currency"],
        "reason": event_input["approvalReason"],
        "customerSpendInWindow": event_input["spendInWindow"],
        "expiresAt": expires.isoformat(timespec="seconds"),
        **approval.commands("scripts.orders.approval", order_id),
    }
    approval.notify(
        f"Order {order_id} needs approval", message, {"orderId": order_id}, event_input["taskToken"]
    )
    logger.info("approval requested", extra={"expiresAt": message["expiresAt"]})
    return {"orderId": order_id, "status": "AWAITING_APPROVAL", "expiresAt": message["expiresAt"]}
