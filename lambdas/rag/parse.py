"""Parse: raw bytes -> title and plain text (HTML/Markdown keep their heading structure)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from rag import artifacts, clients, layout, parsers
from rag.errors import InvalidInput
from shared.task import logger, task_handler


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    document = event_input.get("document")
    if not isinstance(document, dict) or "rawKey" not in document:
        raise InvalidInput("expected {'document': {...fetch output...}}")
    store = artifacts.Store.from_environment(clients.s3())
    body = store.get_bytes(document["rawKey"])
    parsed = parsers.parse(body, document.get("contentType", ""), document.get("name", ""))
    key = layout.parsed_key(document["documentId"], document["version"])
    store.put_json(key, {"format": parsed.format, "title": parsed.title, "text": parsed.text})
    logger.info("parsed", extra={"format": parsed.format, "characters": len(parsed.text)})
    return {
        "parsedKey": key,
        "format": parsed.format,
        "title": parsed.title,
        "characters": len(parsed.text),
    }
