"""Request-approval task (`.waitForTaskToken`): park the task token and notify the reviewers.

The token is stored on the order's status item so `python -m scripts.orders.approval` can
approve or reject by order id; the notification names the order and the commands to run, never
the token (whoever holds a token can decide the order). The workflow resumes when a decision calls
SendTaskSuccess/SendTaskFailure, or rejects the order when the configured timeout passes.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.errors import InvalidInput
from shared.task import logger, task_handler

FIELDS = ("orderId", "customerId", "total", "currency", "taskToken")


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Store the task token on the status item, then publish the approval request."""
    missing = [name for name in FIELDS if not isinstance(event_input.get(name), str)]
    if missing:
        raise InvalidInput(f"{missing[0]}: required string")
    order_id = event_input["orderId"]
    logger.append_keys(order_id=order_id)
    now = datetime.now(UTC)
    expires = now + timedelta(seconds=int(os.environ["APPROVAL_TIMEOUT_SECONDS"]))
    boto3.client("dynamodb").update_item(
        TableName=os.environ["STATUS_TABLE"],
        Key={"orderId": {"S": order_id}},
        UpdateExpression=(
            "SET #status = :status, step = :step, approvalToken = :token, "
            "approvalRequestedAt = :now, approvalExpiresAt = :expires, updatedAt = :now"
        ),
        ConditionExpression="attribute_exists(orderId)",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":status": {"S": "AWAITING_APPROVAL"},
            ":step": {"S": "APPROVAL"},
            ":token": {"S": event_input["taskToken"]},
            ":now": {"S": now.isoformat(timespec="seconds")},
            ":expires": {"S": expires.isoformat(timespec="seconds")},
        },
    )
    env = os.environ.get("STEPWISE_ENV", "dev")
    command = f"python -m scripts.orders.approval {{}} {order_id} --env {env}"
    message = {
        "orderId": order_id,
        "customerId": event_input["customerId"],
        "total": event_input["total"],
        "currency": event_input["currency"],
        "expiresAt": expires.isoformat(timespec="seconds"),
        "approve": command.format("approve"),
        "reject": command.format("reject"),
    }
    boto3.client("sns").publish(
        TopicArn=os.environ["APPROVAL_TOPIC_ARN"],
        Subject=f"Order {order_id} needs approval"[:100],
        Message=json.dumps(message, indent=2),
        MessageAttributes={"orderId": {"DataType": "String", "StringValue": order_id}},
    )
    logger.info("approval requested", extra={"expiresAt": message["expiresAt"]})
    return {"orderId": order_id, "status": "AWAITING_APPROVAL", "expiresAt": message["expiresAt"]}
