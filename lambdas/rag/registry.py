"""The document registry (DynamoDB, keyed by source): which version is indexed, and the last failure."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from rag import environment

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def table() -> str:
    return environment.text("REGISTRY_TABLE")


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {key: _SERIALIZER.serialize(value) for key, value in values.items()}


def from_item(item: dict[str, Any] | None) -> dict[str, Any] | None:
    if item is None:
        return None
    values = {key: _DESERIALIZER.deserialize(value) for key, value in item.items()}
    return {key: int(value) if _is_integral(value) else value for key, value in values.items()}


def get(client: Any, source: str) -> dict[str, Any] | None:
    response = client.get_item(TableName=table(), Key=to_item({"source": source}), ConsistentRead=True)
    return from_item(response.get("Item"))


def _is_integral(value: Any) -> bool:
    return isinstance(value, Decimal) and value == value.to_integral_value()
