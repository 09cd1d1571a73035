"""Parse: raw bytes -> title and plain text (HTML/Markdown keep their heading structure).

Parsing runs in a bounded child process (`rag.sandbox`): a document beyond a bound fails with the
permanent `DocumentTooComplex`, so it is not parsed again until its content changes.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from rag import artifacts, layout, sandbox
from rag.errors import InvalidInput
from rag.limits import Limits
from shared import clients
from shared.task import logger, task_handler


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    document = event_input.get("document")
    if not isinstance(document, dict) or "rawKey" not in document:
        raise InvalidInput("expected {'document': {...fetch output...}}")
    store = artifacts.Store.from_environment(clients.client("s3", clients.STANDARD))
    body = store.get_bytes(document["rawKey"])
    options = {"contentType": document.get("contentType") or "", "name": document.get("name") or ""}
    outcome = sandbox.run("parse", options, body, Limits.from_environment())
    parsed = outcome.result
    key = layout.parsed_key(document["documentId"], document["version"])
    store.put_json(key, parsed)
    logger.info(
        "parsed",
        extra={
            "format": parsed["format"],
            "characters": len(parsed["text"]),
            "peakMemoryMb": outcome.peak_memory_mb,
        },
    )
    return {
        "parsedKey": key,
        "format": parsed["format"],
        "title": parsed["title"],
        "characters": len(parsed["text"]),
    }
