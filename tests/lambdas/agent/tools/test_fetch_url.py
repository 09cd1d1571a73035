"""fetch_url: the RAG fetcher's rules (shared/http_fetch.py) applied to the agent's tool."""

from __future__ import annotations

import pytest
from agent.errors import ToolFailed
from agent.tools import fetch_url

from shared import http_fetch
from tests.lambdas.agent.agentaws import Account
from tests.lambdas.agent.conftest import call
from tests.lambdas.rag.ragaws import FakePool, FakeResponse


def fetch(url: str) -> dict[str, object]:
    return {"requestId": "req-1", "round": 1, "toolUseId": "t3", "name": "fetch_url", "input": {"url": url}}


ADDRESSES = {"docs.example.com": ["93.184.215.14"], "evil.example.net": ["93.184.215.15"]}


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> FakePool:
    fake = FakePool(responses={})
    monkeypatch.setattr(http_fetch, "pool_manager", lambda: fake)
    monkeypatch.setattr(http_fetch, "resolve_host", lambda host: ADDRESSES[host])
    return fake


def test_an_allowed_page_is_fetched_as_text(aws: Account, pool: FakePool) -> None:
    url = "https://docs.example.com/a"
    pool.responses[url] = FakeResponse(headers={"Content-Type": "text/plain; charset=utf-8"}, body=b"hello")
    result = call(fetch_url.handler, fetch(url))
    assert aws.json_object(result["resultKey"]) == {"url": url, "contentType": "text/plain", "text": "hello"}


@pytest.mark.parametrize(
    ("url", "response", "match"),
    [
        ("https://evil.example.net/", None, "not in allowedDomains"),
        ("https://docs.example.com:8443/", None, "default HTTPS port"),
        (
            "https://docs.example.com/big",
            FakeResponse(headers={"Content-Type": "text/plain"}, body=b"x" * 1001),
            "more than 1000 bytes",
        ),
        (
            "https://docs.example.com/pdf",
            FakeResponse(headers={"Content-Type": "application/pdf"}),
            "content type",
        ),
        (
            "https://docs.example.com/hop",
            FakeResponse(status=302, headers={"Location": "https://evil.example.net/"}),
            "not in allowedDomains",
        ),
    ],
)
def test_the_fetch_rules_refuse_by_name(
    aws: Account, pool: FakePool, url: str, response: FakeResponse | None, match: str
) -> None:
    if response is not None:
        pool.responses[url] = response
    with pytest.raises(ToolFailed, match=match):
        call(fetch_url.handler, fetch(url))
    assert "https://evil.example.net/" not in pool.requested


@pytest.mark.parametrize("address", ["10.0.0.7", "127.0.0.1", "169.254.169.254", "::1", "fd00::1"])
def test_an_allowed_host_resolving_to_a_private_address_is_refused(
    aws: Account, pool: FakePool, monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    monkeypatch.setattr(http_fetch, "resolve_host", lambda host: ["93.184.215.14", address])
    with pytest.raises(ToolFailed, match="non-public address"):
        call(fetch_url.handler, fetch("https://docs.example.com/a"))
    assert pool.requested == []
