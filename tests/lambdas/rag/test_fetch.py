"""Fetch: raw copy, content hash, registry-based skip, S3 and HTTPS sources and their named errors."""

from __future__ import annotations

import hashlib
import json

import pytest
import urllib3
from rag import contract, documents, fetch
from rag.errors import (
    DocumentTooLarge,
    DomainNotAllowed,
    FetchTimeout,
    SourceNotFound,
    SourceUnavailable,
    UnsupportedContentType,
)

from tests.lambdas.rag.ragaws import ARTIFACTS, REGISTRY, SOURCES, FakeResponse, invoke, read_timeout

BODY = b"# Runbook\n\nRestart the pipeline when the alarm fires.\n"
SOURCE = f"s3://{SOURCES}/documents/runbook.md"


def _item(key: str = "documents/runbook.md") -> dict:
    return {
        "item": {"listing": "source", "bucket": SOURCES, "key": key, "etag": "e", "size": 1},
        "runId": "r1",
    }


def _register(aws, **fields) -> None:
    from rag import registry

    aws.dynamodb.put_item(TableName=REGISTRY, Item=registry.to_item({"source": SOURCE, **fields}))


def test_new_object_is_changed_with_a_raw_copy_and_a_content_hash(aws):
    aws.put_source("documents/runbook.md", BODY, "text/markdown")
    result = invoke(fetch.handler, _item())
    assert result["status"] == "changed"
    document = result["document"]
    digest = hashlib.sha256(BODY).hexdigest()
    assert document["source"] == SOURCE
    assert document["documentId"] == documents.document_id(SOURCE)
    assert document["contentHash"] == digest
    assert (document["contentType"], document["name"], document["bytes"]) == (
        "text/markdown",
        "runbook.md",
        len(BODY),
    )
    assert document["previous"] is None
    assert aws.artifact(document["rawKey"]) == BODY
    assert document["rawKey"] == f"raw/{document['documentId']}/{digest}"


def test_indexed_version_is_unchanged_and_carries_its_line(aws):
    aws.put_source("documents/runbook.md", BODY)
    version = invoke(fetch.handler, _item())["document"]["version"]
    _register(aws, version=version, chunkCount=4, title="Runbook")
    result = invoke(fetch.handler, _item())
    assert result == {
        "status": "unchanged",
        "line": {
            "source": SOURCE,
            "documentId": documents.document_id(SOURCE),
            "status": "unchanged",
            "version": version,
            "contentHash": hashlib.sha256(BODY).hexdigest(),
            "title": "Runbook",
            "chunks": 4,
        },
    }


def test_changed_content_names_the_previous_version(aws):
    _register(aws, version="0123456789abcdef", chunkCount=7)
    aws.put_source("documents/runbook.md", BODY + b"\nNew paragraph.\n")
    result = invoke(fetch.handler, _item())
    assert result["status"] == "changed"
    assert result["document"]["previous"] == {"version": "0123456789abcdef", "chunkCount": 7}


def test_a_permanently_failed_version_is_not_retried_until_it_changes(aws):
    aws.put_source("documents/runbook.md", BODY)
    version = invoke(fetch.handler, _item())["document"]["version"]
    _register(aws, failedVersion=version, failedPermanently=True, lastError="CorruptDocument")
    line = invoke(fetch.handler, _item())["line"]
    assert (line["status"], line["indexed"], line["error"]) == ("unchanged", False, "CorruptDocument")
    _register(aws, failedVersion=version, failedPermanently=False, lastError="EmbeddingThrottled")
    assert invoke(fetch.handler, _item())["status"] == "changed"


def test_chunking_or_model_settings_are_part_of_the_version(aws, monkeypatch):
    aws.put_source("documents/runbook.md", BODY)
    first = invoke(fetch.handler, _item())["document"]["version"]
    monkeypatch.setenv(contract.CHUNK_TOKENS_ENV, "128")
    second = invoke(fetch.handler, _item())["document"]["version"]
    monkeypatch.setenv(contract.EMBEDDING_DIMENSION_ENV, "512")
    third = invoke(fetch.handler, _item())["document"]["version"]
    assert len({first, second, third}) == 3


def test_folder_markers_are_ignored(aws):
    aws.put_source("documents/team-a/", b"")
    result = invoke(fetch.handler, _item("documents/team-a/"))
    assert result["status"] == "ignored"
    assert result["line"]["status"] == "ignored"


def test_missing_and_oversized_objects_fail_with_named_errors(aws, monkeypatch):
    with pytest.raises(SourceNotFound):
        invoke(fetch.handler, _item("documents/gone.md"))
    monkeypatch.setenv(contract.MAX_DOCUMENT_BYTES_ENV, "10")
    aws.put_source("documents/runbook.md", BODY)
    with pytest.raises(DocumentTooLarge):
        invoke(fetch.handler, _item())


# -- HTTPS sources (request items written by Plan) ------------------------------------------------

PAGE = b"<html><head><title>Guide</title></head><body><p>Hello</p></body></html>"


def _url_item(aws, url: str) -> dict:
    key = "requests/r1/000000.json"
    aws.s3.put_object(Bucket=ARTIFACTS, Key=key, Body=json.dumps({"kind": "url", "url": url}).encode())
    return {
        "item": {"listing": "requests", "bucket": ARTIFACTS, "key": key, "etag": "e", "size": 1},
        "runId": "r1",
    }


def _page(body: bytes = PAGE, content_type: str = "text/html; charset=utf-8", **headers: str) -> FakeResponse:
    return FakeResponse(200, {"Content-Type": content_type, **headers}, body)


def test_url_is_fetched_with_its_declared_content_type(aws, http):
    url = "https://docs.example.com/guide#intro"
    http.responses["https://docs.example.com/guide#intro"] = _page()
    document = invoke(fetch.handler, _url_item(aws, url))["document"]
    assert document["source"] == "https://docs.example.com/guide"
    assert (document["contentType"], document["name"]) == ("text/html", "guide")
    assert aws.artifact(document["rawKey"]) == PAGE


def test_subdomain_wildcards_and_redirects_are_rechecked(aws, http):
    start, target = "https://team.wiki.example.org/a", "https://docs.example.com/b"
    http.responses[start] = FakeResponse(302, {"Location": target})
    http.responses[target] = _page()
    assert invoke(fetch.handler, _url_item(aws, start))["status"] == "changed"
    assert http.requested == [start, target]

    http.responses[start] = FakeResponse(301, {"Location": "https://evil.example.net/b"})
    with pytest.raises(DomainNotAllowed):
        invoke(fetch.handler, _url_item(aws, start))


@pytest.mark.parametrize(
    "url",
    [
        "http://docs.example.com/plain-http",
        "https://docs.example.com:8443/port",
        "https://user:secret@docs.example.com/credentials",
        "https://example.com/not-listed",
        "https://wiki.example.org/apex-not-covered-by-wildcard",
        "https://docs.example.com.evil.net/suffix-trick",
    ],
)
def test_urls_outside_the_allow_list_are_refused_without_a_request(aws, http, url):
    with pytest.raises(DomainNotAllowed):
        invoke(fetch.handler, _url_item(aws, url))
    assert http.requested == []


def test_url_failures_map_to_named_errors(aws, http, monkeypatch):
    url = "https://docs.example.com/x"
    item = _url_item(aws, url)
    cases = [
        (_page(content_type="application/zip"), UnsupportedContentType),
        (_page(**{"Content-Length": "999999999"}), DocumentTooLarge),
        (FakeResponse(404, {}), SourceNotFound),
        (FakeResponse(503, {}), SourceUnavailable),
        (read_timeout(url), FetchTimeout),
        (urllib3.exceptions.NewConnectionError(None, "refused"), SourceUnavailable),
        (FakeResponse(200, {"Content-Type": "text/html"}, fail_on_read=read_timeout(url)), FetchTimeout),
    ]
    for answer, error in cases:
        http.responses[url] = answer
        with pytest.raises(error):
            invoke(fetch.handler, item)
    monkeypatch.setenv(contract.MAX_DOCUMENT_BYTES_ENV, "1024")
    http.responses[url] = _page(body=b"x" * 5000)  # no Content-Length: the stream is capped
    with pytest.raises(DocumentTooLarge):
        invoke(fetch.handler, item)


@pytest.mark.parametrize("address", ["10.0.0.5", "127.0.0.1", "169.254.169.254", "::1", "fd00::1"])
def test_a_host_resolving_to_a_private_address_is_refused_without_a_request(aws, http, monkeypatch, address):
    from shared import http_fetch

    url = "https://docs.example.com/internal"
    http.responses[url] = _page()
    monkeypatch.setattr(http_fetch, "resolve_host", lambda host: ["93.184.215.14", address])
    with pytest.raises(DomainNotAllowed, match="non-public address"):
        invoke(fetch.handler, _url_item(aws, url))
    assert http.requested == []


def test_a_redirect_to_a_host_resolving_to_a_private_address_is_refused(aws, http, monkeypatch):
    from shared import http_fetch

    start, target = "https://docs.example.com/a", "https://intranet.wiki.example.org/b"
    http.responses[start] = FakeResponse(302, {"Location": target})
    http.responses[target] = _page()
    addresses = {"docs.example.com": ["93.184.215.14"], "intranet.wiki.example.org": ["10.1.2.3"]}
    monkeypatch.setattr(http_fetch, "resolve_host", lambda host: addresses[host])
    with pytest.raises(DomainNotAllowed):
        invoke(fetch.handler, _url_item(aws, start))
    assert http.requested == [start]


def test_private_hosts_are_fetched_when_the_environment_allows_them(aws, http, monkeypatch):
    from shared import http_fetch

    url = "https://docs.example.com/internal"
    http.responses[url] = _page()
    monkeypatch.setattr(http_fetch, "resolve_host", lambda host: ["10.0.0.5"])
    monkeypatch.setenv(contract.PRIVATE_HOSTS_ALLOWED_ENV, "true")
    assert invoke(fetch.handler, _url_item(aws, url))["status"] == "changed"
    assert http.requested == [url]
