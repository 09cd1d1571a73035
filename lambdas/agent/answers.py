"""Published answers: versioned keys under `answers/<requestId>/`, each written once (IfNoneMatch)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from agent import contract
from shared import clients, s3io
from shared.errors import TransientError

PUT_ATTEMPTS = 5


class AnswerVersionsBusy(TransientError):
    """Every version tried was taken by a concurrent writer; safe to retry."""


def versions(s3: Any, bucket: str, request_id: str) -> list[int]:
    """The versions already published for `request_id`, ascending."""
    prefix = f"{contract.ANSWERS_PREFIX}{request_id}/v"
    found: list[int] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for entry in page.get("Contents", []):
            number = entry["Key"][len(prefix) :].removesuffix(".json")
            if number.isdigit():
                found.append(int(number))
    return sorted(found)


def publish(s3: Any, bucket: str, request_id: str, answer: Mapping[str, Any]) -> str:
    """Store `answer` as the next version, or return the latest version's key when it already holds
    this very draft (a publish whose response was lost)."""
    existing = versions(s3, bucket, request_id)
    if existing:
        latest = contract.answer_key(request_id, existing[-1])
        if s3io.get_json(s3, bucket, latest).get("draftKey") == answer["draftKey"]:
            return latest
    version = (existing[-1] if existing else 0) + 1
    body = json.dumps(dict(answer), separators=(",", ":"), sort_keys=True).encode()
    for _ in range(PUT_ATTEMPTS):
        key = contract.answer_key(request_id, version)
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json", IfNoneMatch="*")
        except ClientError as error:
            if clients.error_code(error) not in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise
            version += 1
            continue
        return key
    raise AnswerVersionsBusy(f"answers of {request_id}: {PUT_ATTEMPTS} versions taken concurrently")
