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

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from orders import task_tokens
from shared.task import logger, task_handler

FIELDS = ("orderId", "step", "error", "taskToken")


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Store the encrypted task token on the parked order's status item."""
    order_id = task_tokens.order_id(event_input, FIELDS)
    expires_at = task_tokens.store_token(
        task_tokens.OPERATOR,
        order_id,
        event_input["taskToken"],
        event_input["step"],
        {"attentionError": event_input["error"]},
    )
    logger.info("order parked for an operator", extra={"step": event_input["step"]})
    return {"orderId": order_id, "status": task_tokens.OPERATOR.status, "expiresAt": expires_at}
