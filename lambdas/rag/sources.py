"""Resolve a map item to its source (an S3 object or an HTTPS URL) and read its bytes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from rag import artifacts, contract, documents
from rag.errors import DocumentTooLarge, InvalidInput, SourceNotFound, SourceUnavailable
from shared import environment, http_fetch
from shared.clients import error_code

NOT_FOUND_CODES = frozenset({"NoSuchKey", "404", "NotFound", "AccessDenied", "403"})
# Only these mean the object is gone (Fetch may list the source prefix, so a missing key is a 404,
# not a 403): a refusal must never remove a document's vectors.
MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


@dataclass(frozen=True)
class Source:
    kind: str  # "s3" | "url"
    uri: str
    bucket: str = ""
    key: str = ""
    url: str = ""

    @property
    def name(self) -> str:
        """A file name for format detection (object key or URL path)."""
        path = self.key if self.kind == "s3" else urlsplit(self.url).path
        return PurePosixPath(path).name

    @property
    def folder_marker(self) -> bool:
        return self.kind == "s3" and self.key.endswith("/")


@dataclass(frozen=True)
class Fetched:
    body: bytes
    content_type: str


def resolve(store: artifacts.Store, item: dict[str, Any]) -> Source:
    """A map item (one listed object) -> the document source it stands for."""
    listing, bucket, key = item.get("listing"), item.get("bucket"), item.get("key")
    if not isinstance(bucket, str) or not isinstance(key, str):
        raise InvalidInput("a map item needs 'bucket' and 'key'")
    if listing == "source":
        return Source("s3", documents.s3_source(bucket, key), bucket=bucket, key=key)
    if listing != "requests":
        raise InvalidInput(f"unknown listing {listing!r}")
    request = store.get_json(key)
    if request.get("kind") == "url" and isinstance(request.get("url"), str):
        return Source("url", documents.url_source(request["url"]), url=request["url"].strip())
    if request.get("kind") == "s3":
        source_bucket, source_key = request["bucket"], request["key"]
        uri = documents.s3_source(source_bucket, source_key)
        return Source("s3", uri, bucket=source_bucket, key=source_key)
    raise InvalidInput(f"request object {key} is neither a url nor an s3 request")


def read(s3: Any, source: Source) -> Fetched:
    max_bytes = environment.integer(contract.MAX_DOCUMENT_BYTES_ENV)
    if source.kind == "url":
        download = http_fetch.download(
            source.url,
            allowed_domains=environment.items(contract.ALLOWED_DOMAINS_ENV),
            allowed_types=environment.items(contract.ALLOWED_CONTENT_TYPES_ENV),
            max_bytes=max_bytes,
            timeout_seconds=environment.number(contract.URL_TIMEOUT_ENV),
            pool=http_fetch.pool_manager(),
            public_only=environment.choice(contract.PRIVATE_HOSTS_ALLOWED_ENV, ("true", "false"), "false")
            == "false",
        )
        return Fetched(download.body, download.content_type)
    try:
        response = s3.get_object(Bucket=source.bucket, Key=source.key)
        if response["ContentLength"] > max_bytes:
            response["Body"].close()
            raise DocumentTooLarge(f"{source.uri}: {response['ContentLength']} bytes, limit {max_bytes}")
        body = response["Body"].read()
    except ClientError as error:
        if error_code(error) in NOT_FOUND_CODES:
            not_found = SourceNotFound(f"{source.uri}: {error_code(error)}")
            not_found.missing = error_code(error) in MISSING_CODES
            raise not_found from None
        raise SourceUnavailable(f"{source.uri}: {error}") from None
    except BotoCoreError as error:
        raise SourceUnavailable(f"{source.uri}: {error}") from None
    return Fetched(body, http_fetch.media_type(response.get("ContentType")))
