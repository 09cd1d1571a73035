"""Request-approval task (`.waitForTaskToken`): park the task token, encrypted, and notify reviewers.

The token is encrypted with the approval token key (KMS; only the stack's approver role may
decrypt, and only with this order's `orderId` and `executionId` as encryption context) and stored
on the order's status item as `approvalTokenCiphertext`, which every later status change removes.
`python -m scripts.orders.approval`, run as the approver role, decrypts it and decides. The
notification names the order, the amounts and why it needs review, never the token.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from orders import task_tokens
from shared import approval
from shared.task import logger, task_handler

FIELDS = ("orderId", "customerId", "total", "currency", "approvalReason", "spendInWindow", "taskToken")


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Store the encrypted task token on the status item, then publish the approval request."""
    order_id = task_tokens.order_id(event_input, FIELDS)
    expires_at = task_tokens.store_token(
        task_tokens.APPROVAL,
        order_id,
        event_input["taskToken"],
        "APPROVAL",
        {"approvalReason": event_input["approvalReason"]},
    )
    message = {
        "orderId": order_id,
        "customerId": event_input["customerId"],
        "total": event_input["total"],
        "currency": event_input["currency"],
        "reason": event_input["approvalReason"],
        "customerSpendInWindow": event_input["spendInWindow"],
        "expiresAt": expires_at,
        **approval.commands("scripts.orders.approval", order_id),
    }
    approval.notify(
        f"Order {order_id} needs approval", message, {"orderId": order_id}, event_input["taskToken"]
    )
    logger.info("approval requested", extra={"expiresAt": message["expiresAt"]})
    return {"orderId": order_id, "status": task_tokens.APPROVAL.status, "expiresAt": expires_at}
