"""Await-operator task (`.waitForTaskToken`): a parked order waits for an operator's answer.

A compensation (or settling, or recording COMPLETED) that kept failing parked the order: the
parked-orders queue names the order, the step and the error. This task stores its task token on the
order's status item, encrypted with the operator token key (KMS; only the stack's operator role may
decrypt, and only with this order's `orderId` and `executionId` as encryption context), as
`parkedTokenCiphertext`, which every later status change removes. `python -m scripts.orders.parked`
(or `python -m scripts.redrive ... --workflow orders`), run as the operator role once the cause is
fixed, decrypts it and answers: retry (the saga resumes compensating from the recorded step) or
give up (the order stays NEEDS_ATTENTION). Nobody answering within `parkedTimeoutDays` is a give-up.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from orders import contract
from orders.task_tokens import encrypt_token
from shared import clients, environment
from shared.errors import InvalidInput
from shared.task import execution_id, logger, task_handler

FIELDS = ("orderId", "step", "error", "taskToken")
# What an operator's answer records on the status item; cleared when the order is parked again.
DECISION_FIELDS = ("parkedDecision", "parkedOperator", "parkedOperatorId", "parkedComment", "parkedDecidedAt")


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Store the encrypted task token on the parked order's status item."""
    missing = [name for name in FIELDS if not isinstance(event_input.get(name), str)]
    if missing:
        raise InvalidInput(f"{missing[0]}: required string")
    order_id = event_input["orderId"]
    logger.append_keys(order_id=order_id)
    ciphertext = encrypt_token(
        contract.OPERATOR_TOKEN_KEY_ENV, event_input["taskToken"], order_id, execution_id()
    )
    now = datetime.now(UTC)
    expires = now + timedelta(seconds=environment.integer(contract.PARKED_TIMEOUT_ENV))
    clients.client("dynamodb").update_item(
        TableName=environment.text(contract.STATUS_TABLE_ENV),
        Key={"orderId": {"S": order_id}},
        UpdateExpression=(
            "SET #status = :status, step = :step, attentionError = :error, "
            "parkedTokenCiphertext = :token, parkedAt = :now, parkedExpiresAt = :expires, updatedAt = :now "
            f"REMOVE {', '.join(DECISION_FIELDS)}"
        ),
        ConditionExpression="attribute_exists(orderId) AND executionId = :executionId",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":status": {"S": "NEEDS_ATTENTION"},
            ":step": {"S": event_input["step"]},
            ":error": {"S": event_input["error"]},
            ":token": {"B": ciphertext},
            ":now": {"S": now.isoformat(timespec="seconds")},
            ":expires": {"S": expires.isoformat(timespec="seconds")},
            ":executionId": {"S": execution_id()},
        },
    )
    logger.info("order parked for an operator", extra={"step": event_input["step"]})
    expires_at = expires.isoformat(timespec="seconds")
    return {"orderId": order_id, "status": "NEEDS_ATTENTION", "expiresAt": expires_at}
