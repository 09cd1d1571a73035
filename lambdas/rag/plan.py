"""Plan a run: validate the request and say which S3 listing the Distributed Map iterates.

Requests: `{"prefix": "documents/..."}` lists the source bucket; `{"urls": [...]}`,
`{"objects": [{"bucket", "key"}]}` and a bare list `[{"bucket", "key"}, ...]` (a batch of uploads
and deletions, as the upload pipe sends it) are written as one small request object per document
under `requests/<runId>/`, which the map lists instead. Either way
every document goes through the same Express child, and the request is kept as an audit record.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from aws_lambda_powertools.utilities.typing import LambdaContext

from rag import artifacts, contract, layout
from rag.errors import InvalidInput
from shared import clients, environment
from shared.clients import error_code
from shared.task import logger, task_handler

OBJECTS_FORM = "[{'bucket', 'key'}, ...]"
REQUEST_FORMS = f"{{'prefix': str}} | {{'urls': [str, ...]}} | {{'objects': {OBJECTS_FORM}}} | {OBJECTS_FORM}"
WRITERS = 8
MAX_KEY_BYTES = 1024  # S3's limit for an object key
MAX_URL_CHARS = 2048
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = event_input.get("request")
    run_id = event_input.get("runId")
    if isinstance(request, list):
        request = {"objects": request}  # a batch from the upload pipe
    if not isinstance(request, dict) or not isinstance(run_id, str) or not run_id:
        raise InvalidInput(f"expected {{'request': {REQUEST_FORMS}, 'runId': str}}")
    forms = [form for form in ("prefix", "urls", "objects") if form in request]
    if len(forms) != 1 or len(request) != 1:
        raise InvalidInput(f"a run request has exactly one of prefix, urls, objects: {REQUEST_FORMS}")
    source_bucket = environment.text(contract.SOURCE_BUCKET_ENV)
    source_prefix = environment.text(contract.SOURCE_PREFIX_ENV, "")
    if forms == ["prefix"]:
        prefix = request["prefix"]
        if not isinstance(prefix, str) or not prefix.startswith(source_prefix):
            raise InvalidInput(f"prefix must be a string starting with {source_prefix!r}")
        _check_key("prefix", prefix)
        logger.info("prefix run", extra={"prefix": prefix})
        return {"runId": run_id, "listing": "source", "bucket": source_bucket, "prefix": prefix}

    store = artifacts.Store.from_environment(clients.client("s3", clients.STANDARD))
    if forms == ["urls"]:
        items = _url_items(request["urls"], environment.integer(contract.MAX_URLS_PER_RUN_ENV))
    else:
        items = _object_items(store.client, request["objects"], source_bucket, source_prefix)
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        list(
            pool.map(
                lambda pair: store.put_json(layout.request_key(run_id, pair[0]), pair[1]),
                enumerate(items),
            )
        )
    logger.info("list run", extra={"documents": len(items), "form": forms[0]})
    return {
        "runId": run_id,
        "listing": "requests",
        "bucket": store.bucket,
        "prefix": layout.requests_prefix(run_id),
        "documents": len(items),
    }


def _check_key(field: str, key: str) -> None:
    """An S3 key or prefix: at most 1024 UTF-8 bytes, no control characters, no `.`/`..` segments."""
    if len(key.encode()) > MAX_KEY_BYTES:
        raise InvalidInput(f"{field} is longer than {MAX_KEY_BYTES} bytes")
    if _CONTROL.search(key):
        raise InvalidInput(f"{field} contains control characters")
    if any(segment in (".", "..") for segment in key.split("/")):
        raise InvalidInput(f"{field} must not contain '.' or '..' path segments")


def _url_items(urls: Any, limit: int) -> list[dict[str, str]]:
    if not isinstance(urls, list) or not urls or not all(isinstance(url, str) for url in urls):
        raise InvalidInput("urls must be a non-empty list of strings")
    unique = list(dict.fromkeys(url.strip() for url in urls))
    if len(unique) > limit:
        raise InvalidInput(f"{len(unique)} URLs in one run; the limit (maxUrlsPerRun) is {limit}")
    for url in unique:
        _check_url(url)
    return [{"kind": "url", "url": url} for url in unique]


def _check_url(url: str) -> None:
    """An absolute http(s) URL with a host (Fetch then enforces HTTPS and the domain allow-list)."""
    if len(url) > MAX_URL_CHARS or _CONTROL.search(url) or any(c.isspace() for c in url):
        raise InvalidInput(f"not a usable URL: {url[:100]!r}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"URLs must be absolute http(s) URLs: {url[:100]!r}")


def _object_items(s3: Any, objects: Any, source_bucket: str, source_prefix: str) -> list[dict[str, str]]:
    if not isinstance(objects, list) or not objects:
        raise InvalidInput("objects must be a non-empty list of {'bucket', 'key'}")
    items = []
    for entry in objects:
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise InvalidInput("each object needs a string 'key'")
        if set(entry) - {"bucket", "key"}:
            raise InvalidInput(f"unknown object fields {sorted(set(entry) - {'bucket', 'key'})}")
        _check_key("key", entry["key"])
        bucket = entry.get("bucket", source_bucket)
        if bucket != source_bucket or not entry["key"].startswith(source_prefix):
            raise InvalidInput(f"objects must be under s3://{source_bucket}/{source_prefix}")
        items.append({"kind": "s3", "bucket": bucket, "key": _existing_key(s3, bucket, entry["key"])})
    return list({item["key"]: item for item in items}.values())


def _existing_key(s3: Any, bucket: str, key: str) -> str:
    """The key as stored: event notifications may carry it URL-encoded ('a b.md' as 'a+b.md')."""
    decoded = unquote_plus(key)
    if decoded == key:
        return key
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return key
    except Exception as error:
        if error_code(error) not in ("404", "NoSuchKey", "NotFound"):
            raise
    return decoded
