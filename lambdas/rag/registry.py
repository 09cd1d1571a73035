"""The document registry (DynamoDB, keyed by source): which version is indexed, and the last failure."""

from __future__ import annotations

import datetime
import time
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from rag import contract
from shared import environment
from shared.clients import error_code

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def table() -> str:
    return environment.text(contract.REGISTRY_TABLE_ENV)


def key(source: str) -> dict[str, Any]:
    """The registry item's key for a document's source."""
    return to_item({contract.REGISTRY_KEY: source})


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
    response = client.get_item(TableName=table(), Key=key(source), ConsistentRead=True)
    return from_item(response.get("Item"))


def _is_integral(value: Any) -> bool:
    return isinstance(value, Decimal) and value == value.to_integral_value()


# -- versions in flight ---------------------------------------------------------------------------
# Upsert records the version it is about to write under `pending.<version>` before writing any
# vector; Commit, RecordFailure and Discard remove the entry. An entry that outlives every child
# execution (Express: 5 minutes) belongs to a version whose run was cut off: the run sweep deletes
# its vectors unless it is the registry's current version.


def mark_pending(client: Any, source: str, document_id: str, version: str, count: int) -> None:
    """Record `version` (with its chunk count) as in flight for `source`, creating the item if new."""
    item_key = key(source)
    client.update_item(
        TableName=table(),
        Key=item_key,
        UpdateExpression="SET documentId = :documentId, pending = if_not_exists(pending, :empty)",
        ExpressionAttributeValues=to_item({":documentId": document_id, ":empty": {}}),
    )
    client.update_item(
        TableName=table(),
        Key=item_key,
        UpdateExpression="SET pending.#version = :entry",
        ExpressionAttributeNames={"#version": version},
        ExpressionAttributeValues=to_item({":entry": {"chunkCount": count, "at": int(time.time())}}),
    )


def clear_pending(client: Any, source: str, versions: list[str]) -> None:
    """Forget in-flight `versions` of `source`; an item left with nothing (no version, status or
    pending version) is deleted, so a new document that never got anywhere leaves no entry."""
    if not versions:
        return
    names = {f"#v{index}": version for index, version in enumerate(versions)}
    try:
        client.update_item(
            TableName=table(),
            Key=key(source),
            UpdateExpression="REMOVE " + ", ".join(f"pending.{name}" for name in names),
            ConditionExpression="attribute_exists(pending)",
            ExpressionAttributeNames=names,
        )
    except ClientError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise
    try:
        client.delete_item(
            TableName=table(),
            Key=key(source),
            ConditionExpression="attribute_not_exists(version) AND attribute_not_exists(#status) "
            "AND (attribute_not_exists(pending) OR pending = :empty)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_item({":empty": {}}),
        )
    except ClientError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise
