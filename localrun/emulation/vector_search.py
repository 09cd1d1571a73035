"""EMULATION of Amazon S3 Vectors QueryVectors over the vectors stored in moto, for local runs.

moto 5.2.5 stores vectors (PutVectors/GetVectors/ListVectors) but has no QueryVectors. localrun
answers it with an exact k-nearest-neighbour search: cosine distance (1 - cosine similarity) or
euclidean distance, per the index's `distanceMetric`; ties broken by key. Metadata filters support
`$eq $ne $gt $gte $lt $lte $in $nin $exists $and $or` and implicit equality. Real S3 Vectors is
approximate (ANN); exact results are a superset of what it would usually return.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_TOP_K = 100


class QueryError(ValueError):
    """A request S3 Vectors would reject with ValidationException."""


@dataclass(frozen=True)
class StoredVector:
    key: str
    data: Sequence[float]
    metadata: Mapping[str, Any] | None


def query(
    vectors: Sequence[StoredVector],
    query_vector: Sequence[float],
    *,
    top_k: int,
    metric: str,
    dimension: int,
    filter_document: Mapping[str, Any] | None = None,
    return_metadata: bool = False,
    return_distance: bool = False,
) -> dict[str, Any]:
    """The QueryVectors response: `{"vectors": [...], "distanceMetric": metric}`."""
    if not 1 <= top_k <= MAX_TOP_K:
        raise QueryError(f"topK must be between 1 and {MAX_TOP_K}")
    if len(query_vector) != dimension:
        raise QueryError(
            f"Query vector dimension {len(query_vector)} does not match index dimension {dimension}"
        )
    distance = _DISTANCES.get(metric)
    if distance is None:
        raise QueryError(f"unsupported distance metric {metric!r}")
    candidates = [
        vector
        for vector in vectors
        if filter_document is None or matches(vector.metadata or {}, filter_document)
    ]
    ranked = sorted(
        ((distance(query_vector, vector.data), vector) for vector in candidates),
        key=lambda pair: (pair[0], pair[1].key),
    )[:top_k]
    results = []
    for value, vector in ranked:
        item: dict[str, Any] = {"key": vector.key}
        if return_metadata:
            item["metadata"] = dict(vector.metadata or {})
        if return_distance:
            item["distance"] = value
        results.append(item)
    return {"vectors": results, "distanceMetric": metric}


def _cosine(left: Sequence[float], right: Sequence[float]) -> float:
    dot = sum(a * b for a, b in zip(left, right, strict=True))
    norms = math.sqrt(sum(a * a for a in left)) * math.sqrt(sum(b * b for b in right))
    return 1.0 if norms == 0 else 1.0 - dot / norms


def _euclidean(left: Sequence[float], right: Sequence[float]) -> float:
    return math.sqrt(sum((a - b) ** 2 for a, b in zip(left, right, strict=True)))


_DISTANCES = {"cosine": _cosine, "euclidean": _euclidean}


def matches(metadata: Mapping[str, Any], document: Mapping[str, Any]) -> bool:
    """True if `metadata` satisfies the S3 Vectors filter `document`."""
    for key, condition in document.items():
        if key == "$and":
            if not all(matches(metadata, part) for part in condition):
                return False
        elif key == "$or":
            if not any(matches(metadata, part) for part in condition):
                return False
        elif not _field_matches(metadata, key, condition):
            return False
    return True


def _field_matches(metadata: Mapping[str, Any], key: str, condition: Any) -> bool:
    present = key in metadata
    value = metadata.get(key)
    if not isinstance(condition, Mapping):
        return present and _equal(value, condition)
    for operator, operand in condition.items():
        if operator == "$exists":
            if present != bool(operand):
                return False
            continue
        if not present or not _compare(operator, value, operand):
            return False
    return True


def _equal(value: Any, operand: Any) -> bool:
    if isinstance(value, list):
        return operand in value
    return bool(value == operand)


def _compare(operator: str, value: Any, operand: Any) -> bool:
    if operator == "$eq":
        return _equal(value, operand)
    if operator == "$ne":
        return not _equal(value, operand)
    if operator == "$in":
        return any(_equal(value, item) for item in operand)
    if operator == "$nin":
        return not any(_equal(value, item) for item in operand)
    ordering = {"$gt": float.__gt__, "$gte": float.__ge__, "$lt": float.__lt__, "$lte": float.__le__}
    if operator in ordering:
        try:
            return bool(ordering[operator](float(value), float(operand)))
        except (TypeError, ValueError):
            return False
    raise QueryError(f"unsupported filter operator {operator!r}")
