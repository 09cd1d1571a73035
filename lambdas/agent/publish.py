"""Publish task: the approved draft as the next answer version, an `AnswerPublished` event, and the
Requests item marked PUBLISHED; once per requestId (Powertools idempotency: a retried call returns
the first call's report, with no second object or event).

Input: the run state with `draft = {key}`. Output: the run report `{requestId, status:
"PUBLISHED", answerKey, rounds, toolCalls, usage: {inputTokens, outputTokens, costUsd}}`.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agent import answers, contract, report, request_store, runstate
from agent.errors import InvalidRequest
from shared import clients, environment, idempotency, s3io
from shared.errors import TransientError
from shared.task import execution_id, logger, task_handler


class EventNotAccepted(TransientError):
    """EventBridge did not accept the AnswerPublished entry; safe to retry."""


def publish(request: dict[str, Any]) -> dict[str, Any]:
    """The effects of one publish (wrapped by the idempotency layer)."""
    request_id = request["requestId"]
    s3 = clients.client("s3")
    bucket = environment.text(contract.RUNS_BUCKET_ENV)
    draft = s3io.get_json(s3, bucket, request["draftKey"])
    answer = {
        "requestId": request_id,
        "answer": draft["answer"],
        "citations": draft.get("citations", []),
        "draftKey": request["draftKey"],
        "revision": draft.get("revision", 0),
    }
    answer_key = answers.publish(s3, bucket, request_id, answer)
    item = request_store.get(request_id)
    usage = report.merged_usage(request["usage"], request_store.stored_usage(item))
    run_report = report.build(
        request_id,
        request_store.PUBLISHED,
        usage,
        answerKey=answer_key,
        billed=request_store.billed_usage(item),
    )
    detail = {key: run_report[key] for key in ("requestId", "answerKey", "rounds", "toolCalls", "usage")}
    response = clients.client("events").put_events(
        Entries=[
            {
                "Source": contract.EVENT_SOURCE,
                "DetailType": contract.ANSWER_PUBLISHED,
                "Detail": json.dumps(detail),
                "EventBusName": environment.text(contract.EVENT_BUS_ENV),
            }
        ]
    )
    if response.get("FailedEntryCount"):
        raise EventNotAccepted(f"AnswerPublished for {request_id} was not accepted: {response['Entries']}")
    request_store.finish(
        request_id, request["executionId"], request_store.PUBLISHED, {"answerKey": answer_key}
    )
    report.write(run_report)
    return run_report


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Publish the approved draft once per requestId."""
    run = runstate.parse(event_input)
    draft_key = (event_input.get("draft") or {}).get("key")
    if not isinstance(draft_key, str):
        raise InvalidRequest("draft.key: required string")
    logger.append_keys(request_id=run.request_id)
    once = idempotency.once_per(publish, context, key_field="requestId", key_prefix="agent.publish")
    request = {
        "requestId": run.request_id,
        "draftKey": draft_key,
        "usage": run.usage,
        "executionId": execution_id(),
    }
    result = once(request=request)
    logger.info("published", extra={"answerKey": result["answerKey"]})
    return result
