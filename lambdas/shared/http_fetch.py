"""HTTPS downloads with an allow-list, redirect re-checks, a size cap, a time budget and type checks.

Shared by the RAG fetcher and the agent's fetch_url tool; the error classes are named here and
re-exported by each workflow's errors module (their names are the errorTypes the state machines see).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import urllib3

from shared.errors import TaskError, TransientError

MAX_REDIRECTS = 5
READ_CHUNK = 64 * 1024
USER_AGENT = "stepwise-rag-ingestion/1.0"
ACCEPT = "text/html, application/pdf, text/*"
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class FetchTimeout(TransientError):
    """The source did not answer (or finish sending) within the time budget."""


class SourceUnavailable(TransientError):
    """The source failed in a way worth retrying (HTTP 429/5xx, connection reset, S3 5xx)."""


class SourceNotFound(TaskError):
    """The object or URL does not exist or refuses access (S3 NoSuchKey, HTTP 4xx)."""

    # True only when S3 said the object does not exist (NoSuchKey/404), never for a refusal.
    missing = False


class DomainNotAllowed(TaskError):
    """The URL is not HTTPS on port 443 or its host is not in the allowed domains."""


class UnsupportedContentType(TaskError):
    """The server declared a content type outside the allowed ones."""


class DocumentTooLarge(TaskError):
    """The document is bigger than the size limit."""


@dataclass(frozen=True)
class Download:
    url: str
    body: bytes
    content_type: str


def pool_manager() -> Any:
    """The HTTP client (tests substitute a double here; nothing else talks to the network)."""
    return urllib3.PoolManager(retries=False, cert_reqs="CERT_REQUIRED")


def host_allowed(host: str, allowed_domains: tuple[str, ...]) -> bool:
    """`example.com` allows exactly that host; `*.example.com` allows its subdomains."""
    host = host.lower().rstrip(".")
    for domain in allowed_domains:
        if domain.startswith("*."):
            if host.endswith(domain[1:]):
                return True
        elif host == domain:
            return True
    return False


def check_url(url: str, allowed_domains: tuple[str, ...]) -> None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise DomainNotAllowed(f"{url!r} is not a valid URL: {error}") from None
    if parts.scheme != "https":
        raise DomainNotAllowed(f"{url!r}: only https URLs are fetched")
    if parts.username or parts.password:
        raise DomainNotAllowed(f"{url!r}: URLs with credentials are refused")
    if port not in (None, 443):
        raise DomainNotAllowed(f"{url!r}: only the default HTTPS port is allowed")
    if not parts.hostname or not host_allowed(parts.hostname, allowed_domains):
        raise DomainNotAllowed(f"{parts.hostname!r} is not in allowedDomains")


def resolve_host(host: str) -> list[str]:
    """Every address `host` resolves to for HTTPS (tests substitute a resolver here)."""
    try:
        found = socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)
    except OSError as error:
        raise SourceUnavailable(f"{host!r} does not resolve: {error}") from None
    return [str(entry[4][0]) for entry in found]


def check_public(host: str) -> None:
    """Refuse a host any of whose addresses is private, loopback, link-local or otherwise not
    global. The connection resolves the name again, so a DNS answer that changes in between
    (rebinding) is not caught here; the allow-list is the first line of defence."""
    for address in resolve_host(host):
        if not ipaddress.ip_address(address.split("%", 1)[0]).is_global:
            raise DomainNotAllowed(f"{host!r} resolves to the non-public address {address}")


def media_type(header: str | None) -> str:
    return (header or "").split(";", 1)[0].strip().lower()


def download(
    url: str,
    *,
    allowed_domains: tuple[str, ...],
    allowed_types: tuple[str, ...],
    max_bytes: int,
    timeout_seconds: float,
    pool: Any = None,
    headers: dict[str, str] | None = None,
    public_only: bool = False,
) -> Download:
    """GET `url` following at most MAX_REDIRECTS redirects, each target re-checked (and, with
    `public_only`, refused when its host resolves to a non-public address)."""
    pool = pool if pool is not None else pool_manager()
    headers = headers or {"User-Agent": USER_AGENT, "Accept": ACCEPT}
    deadline = time.monotonic() + timeout_seconds
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        check_url(current, allowed_domains)
        if public_only:
            check_public(urlsplit(current).hostname or "")
        response = _request(pool, current, deadline, headers)
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                if not location:
                    raise SourceNotFound(f"{current}: redirect without a Location header")
                current = urljoin(current, location)
                continue
            return _read(response, current, allowed_types, max_bytes, deadline)
        finally:
            response.release_conn()
    raise SourceNotFound(f"{url}: more than {MAX_REDIRECTS} redirects")


def _request(pool: Any, url: str, deadline: float, headers: dict[str, str]) -> Any:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchTimeout(f"{url}: time budget spent before the request")
    try:
        return pool.request(
            "GET",
            url,
            headers=headers,
            timeout=urllib3.Timeout(connect=remaining, read=remaining),
            redirect=False,
            preload_content=False,
            retries=False,
        )
    except urllib3.exceptions.NewConnectionError as error:  # a ConnectTimeoutError subclass
        raise SourceUnavailable(f"{url}: {error}") from None
    except urllib3.exceptions.TimeoutError as error:
        raise FetchTimeout(f"{url}: {error}") from None
    except urllib3.exceptions.HTTPError as error:
        raise SourceUnavailable(f"{url}: {error}") from None


def _read(
    response: Any, url: str, allowed_types: tuple[str, ...], max_bytes: int, deadline: float
) -> Download:
    status = response.status
    if status in RETRYABLE_STATUS:
        raise SourceUnavailable(f"{url}: HTTP {status}")
    if status != 200:
        raise SourceNotFound(f"{url}: HTTP {status}")
    content_type = media_type(response.headers.get("Content-Type"))
    if content_type not in allowed_types:
        raise UnsupportedContentType(
            f"{url}: content type {content_type or 'missing'!r} is not in allowedContentTypes"
        )
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise DocumentTooLarge(f"{url}: {declared} bytes declared, the limit is {max_bytes}")
    body = bytearray()
    try:
        while True:
            block = _read_some(response, url, deadline)
            if not block:
                break
            body.extend(block)
            if len(body) > max_bytes:
                raise DocumentTooLarge(f"{url}: more than {max_bytes} bytes")
    except urllib3.exceptions.TimeoutError as error:
        raise FetchTimeout(f"{url}: {error}") from None
    except urllib3.exceptions.HTTPError as error:
        raise SourceUnavailable(f"{url}: {error}") from None
    return Download(url=url, body=bytes(body), content_type=content_type)


def _read_some(response: Any, url: str, deadline: float) -> bytes:
    """What has arrived (up to READ_CHUNK bytes), waiting no longer than the time budget has left.

    `read1` returns as soon as any bytes arrive, so a server dripping a byte at a time cannot keep
    one call busy, and the socket's timeout is cut to the remaining budget before every read, so a
    stalled server cannot hold a read past the deadline either.
    """
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchTimeout(f"{url}: download exceeded its time budget")
    sock = _socket_of(response)
    if sock is not None:
        sock.settimeout(remaining)
    reader = getattr(response, "read1", None) or response.read
    return reader(READ_CHUNK)


def _socket_of(response: Any) -> Any:
    """The socket under a urllib3 response: its connection's, or (when the server said it will
    close, and http.client detached it) the one under the response's file object. A test on a
    stalled 127.0.0.1 server keeps this in step with the pinned urllib3."""
    sock = getattr(getattr(response, "connection", None), "sock", None)
    if sock is None:
        raw = getattr(getattr(getattr(response, "_fp", None), "fp", None), "raw", None)
        sock = getattr(raw, "_sock", None)
    return sock
