"""RequestApproval task (`.waitForTaskToken`): park the task token, encrypted, and notify reviewers.

Input `{taskToken, request: {requestId}, draft: {key, revision}}`. The token is KMS-encrypted with
the request's `requestId` and `executionId` as encryption context and stored on the Requests item
(any earlier decision on it is cleared: a revised draft is a new approval); the SNS message names
the request, the draft key and the approve/reject commands of `python -m scripts.agent.approval`,
never the token, nor the task or requester.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agent import contract, request_store
from agent.errors import InvalidRequest
from shared import approval, clients, environment
from shared.task import execution_id, logger, task_handler

SCRIPT = "scripts.agent.approval"
# What a reviewer recorded on the previous draft (scripts/approvals.py), cleared for the new one.
DECISION_FIELDS = "approvalDecision, approvalReviewer, approvalReviewerId, approvalComment, approvalDecidedAt"


def fields(event_input: dict[str, Any]) -> tuple[str, str, str, int]:
    """(taskToken, requestId, draft key, revision), or `InvalidRequest` naming the missing one."""
    token = event_input.get("taskToken")
    request_id = (event_input.get("request") or {}).get("requestId")
    draft = event_input.get("draft") or {}
    for name, value in (
        ("taskToken", token),
        ("request.requestId", request_id),
        ("draft.key", draft.get("key")),
    ):
        if not isinstance(value, str) or not value:
            raise InvalidRequest(f"{name}: required string")
    return token, request_id, draft["key"], int(draft.get("revision", 0))


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Store the encrypted token on the Requests item, then publish the approval request."""
    token, request_id, draft_key, revision = fields(event_input)
    logger.append_keys(request_id=request_id)
    execution = execution_id()
    ciphertext = approval.encrypt_token(
        token, approval.token_context(contract.REQUESTS_KEY, request_id, execution)
    )
    now = datetime.now(UTC)
    expires = (now + timedelta(seconds=environment.integer(contract.APPROVAL_TIMEOUT_ENV))).isoformat(
        timespec="seconds"
    )
    clients.client("dynamodb").update_item(
        TableName=request_store.table(),
        Key=request_store.key(request_id),
        UpdateExpression=(
            "SET #status = :status, approvalTokenCiphertext = :token, draftKey = :draft, "
            "approvalRequestedAt = :now, approvalExpiresAt = :expires, updatedAt = :now "
            f"REMOVE {DECISION_FIELDS}"
        ),
        ConditionExpression="executionId = :execution",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":status": {"S": request_store.AWAITING_APPROVAL},
            ":token": {"B": ciphertext},
            ":draft": {"S": draft_key},
            ":now": {"S": now.isoformat(timespec="seconds")},
            ":expires": {"S": expires},
            ":execution": {"S": execution},
        },
    )
    message = {
        "requestId": request_id,
        "draftKey": draft_key,
        "revision": revision,
        "expiresAt": expires,
        **approval.commands(SCRIPT, request_id),
    }
    approval.notify(f"Agent answer {request_id} needs approval", message, {"requestId": request_id}, token)
    logger.info("approval requested", extra={"expiresAt": expires, "revision": revision})
    return {"requestId": request_id, "status": request_store.AWAITING_APPROVAL, "expiresAt": expires}
