"""fetch_url tool: one HTTPS page under the RAG fetcher's rules (shared/http_fetch.py): allow-listed
hosts only, https on port 443, every redirect re-checked, a size cap and a time budget; and no host
that resolves to a private, loopback or link-local address."""

from __future__ import annotations

from typing import Any

from agent import contract
from agent.errors import ToolFailed
from agent.tools.invocation import tool_handler
from shared import environment, http_fetch

TEXT_TYPES = ("text/html", "text/plain", "text/markdown", "application/json")
HEADERS = {"User-Agent": "stepwise-agent/1.0", "Accept": ", ".join(TEXT_TYPES)}
# Refusals the model should see as a failed call (its arguments broke a rule), not retry.
REFUSALS = (http_fetch.DomainNotAllowed, http_fetch.UnsupportedContentType, http_fetch.DocumentTooLarge)


def run(arguments: dict[str, Any]) -> dict[str, Any]:
    try:
        download = http_fetch.download(
            arguments["url"],
            allowed_domains=environment.items(contract.FETCH_ALLOWED_HOSTS_ENV, required=True),
            allowed_types=TEXT_TYPES,
            max_bytes=environment.integer(contract.FETCH_MAX_BYTES_ENV),
            timeout_seconds=environment.number(contract.FETCH_TIMEOUT_ENV),
            pool=http_fetch.pool_manager(),
            headers=HEADERS,
            public_only=True,
        )
    except REFUSALS as error:
        raise ToolFailed(f"fetch_url: {error}") from None
    text = download.body.decode("utf-8", errors="replace")
    return {"url": download.url, "contentType": download.content_type, "text": text}


handler = tool_handler("fetch_url", run)
