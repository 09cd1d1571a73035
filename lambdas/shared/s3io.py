"""Small S3 helpers: URIs, JSON and JSON Lines objects."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any


def s3_uri(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """`s3://bucket/key` -> (bucket, key); ValueError for anything else."""
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri!r}")
    bucket, _, key = uri[5:].partition("/")
    if not bucket or not key:
        raise ValueError(f"not an s3://bucket/key URI: {uri!r}")
    return bucket, key


def get_bytes(s3: Any, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def get_json(s3: Any, bucket: str, key: str) -> Any:
    return json.loads(get_bytes(s3, bucket, key))


def put_json(s3: Any, bucket: str, key: str, document: Any) -> None:
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps(document, separators=(",", ":"), sort_keys=True).encode(),
        ContentType="application/json",
    )


def put_json_lines(s3: Any, bucket: str, key: str, lines: Iterable[dict[str, Any]]) -> int:
    """Write one compact JSON document per line; returns the number of lines."""
    rows = [json.dumps(line, separators=(",", ":"), sort_keys=True) for line in lines]
    body = "".join(f"{row}\n" for row in rows)
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode(), ContentType="application/jsonlines")
    return len(rows)


def iter_json_lines(body: bytes) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(body.decode().splitlines(), start=1):
        if not line.strip():
            continue
        document = json.loads(line)
        if not isinstance(document, dict):
            raise ValueError(f"line {number} is not a JSON object")
        yield document
