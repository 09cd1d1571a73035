"""Guard task: Bedrock ApplyGuardrail on the task (source INPUT) or on the draft (source OUTPUT).

Input `{"source": "INPUT", "request": {requestId, task}}` or
`{"source": "OUTPUT", "request": {requestId}, "draft": {key}}`. An intervention raises
`GuardrailBlocked` (the message names the source, never the guarded text).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from agent import contract
from agent.converse import TRANSIENT_CODES
from agent.errors import GuardrailBlocked, InvalidRequest, ModelUnavailable
from shared import clients, environment, s3io
from shared.task import logger, task_handler

SOURCES = ("INPUT", "OUTPUT")
INTERVENED = "GUARDRAIL_INTERVENED"


def guarded_text(event_input: dict[str, Any]) -> str:
    source = event_input.get("source")
    if source not in SOURCES:
        raise InvalidRequest(f"source: one of {list(SOURCES)}")
    request = event_input.get("request") or {}
    if source == "INPUT":
        task = request.get("task")
        if not isinstance(task, str):
            raise InvalidRequest("request.task: required string")
        return task
    draft_key = (event_input.get("draft") or {}).get("key")
    if not isinstance(draft_key, str):
        raise InvalidRequest("draft.key: required string")
    document = s3io.get_json(clients.client("s3"), environment.text(contract.RUNS_BUCKET_ENV), draft_key)
    return str(document["answer"])


def apply(source: str, text: str) -> dict[str, Any]:
    try:
        return dict(
            clients.client("bedrock-runtime").apply_guardrail(
                guardrailIdentifier=environment.text(contract.GUARDRAIL_ID_ENV),
                guardrailVersion=environment.text(contract.GUARDRAIL_VERSION_ENV),
                source=source,
                content=[{"text": {"text": text}}],
            )
        )
    except ClientError as error:
        code = clients.error_code(error)
        if code in TRANSIENT_CODES:
            raise ModelUnavailable(f"Bedrock ApplyGuardrail failed: {code}") from None
        raise
    except BotoCoreError as error:
        raise ModelUnavailable(f"Bedrock ApplyGuardrail unreachable: {error}") from None


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Pass the text when the guardrail lets it through; raise `GuardrailBlocked` when it intervenes."""
    text = guarded_text(event_input)
    source = event_input["source"]
    response = apply(source, text)
    action = response.get("action")
    logger.info("guardrail checked", extra={"source": source, "action": action})
    if action == INTERVENED:
        reason = response.get("actionReason") or "the configured guardrail intervened"
        raise GuardrailBlocked(f"{source.lower()}: {reason}")
    return {"source": source, "action": action}
