"""The run's Converse message list, kept in the runs bucket (it outgrows the execution's state)."""

from __future__ import annotations

from typing import Any

from agent import contract
from shared import clients, environment, s3io


def load(request_id: str) -> list[dict[str, Any]]:
    document = s3io.get_json(_s3(), _bucket(), contract.conversation_key(request_id))
    return list(document["messages"])


def save(request_id: str, messages: list[dict[str, Any]]) -> None:
    s3io.put_json(_s3(), _bucket(), contract.conversation_key(request_id), {"messages": messages})


def _bucket() -> str:
    return environment.text(contract.RUNS_BUCKET_ENV)


def _s3() -> Any:
    return clients.client("s3")
