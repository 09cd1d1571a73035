"""Claim-check storage: bodies, parsed text, chunks and vectors live in S3; states pass keys."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from rag import contract
from shared import environment


@dataclass(frozen=True)
class Store:
    """The artifacts bucket. Built in the handler's thread, then safe to share with worker threads."""

    client: Any
    bucket: str

    @classmethod
    def from_environment(cls, client: Any) -> Store:
        return cls(client, environment.text(contract.ARTIFACTS_BUCKET_ENV))

    def put_bytes(self, key: str, body: bytes, content_type: str, **metadata: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, Metadata=metadata
        )

    def get_bytes(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def put_json(self, key: str, value: Any) -> None:
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        self.put_bytes(key, body, "application/json")

    def get_json(self, key: str) -> Any:
        return json.loads(self.get_bytes(key))

    def put_jsonl(self, key: str, rows: Iterable[Any]) -> None:
        body = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
        self.put_bytes(key, body, "application/x-ndjson")

    def get_jsonl(self, key: str) -> list[Any]:
        return [json.loads(line) for line in self.get_bytes(key).decode().splitlines() if line]

    def keys(self, prefix: str) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for entry in page.get("Contents", []):
                yield entry["Key"]
