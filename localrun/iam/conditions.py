"""IAM condition operators, evaluated as the IAM policy evaluation logic documents them.

- Several keys under one operator, and several operators in one block, must all match (AND);
  several values for one key match if any does (OR).
- A key missing from the request context does not match, except for the negated operators
  (`StringNotEquals`, `StringNotLike`, `ArnNotEquals`, `ArnNotLike`, `NumericNotEquals`), which
  match, and `...IfExists`, which matches. `Null: "true"` matches a missing key.
- `ForAllValues:` matches when every request value is among the policy values (also when the key
  is missing or empty); `ForAnyValue:` when at least one is (never when the key is missing).
Operators outside `SUPPORTED_OPERATORS` raise `UnsupportedCondition` (never silently allowed).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

ContextValue = str | bool | int | float | Sequence[str]


class UnsupportedCondition(ValueError):
    """A policy uses a condition operator localrun does not evaluate."""


@cache
def _glob(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """`*` (any run of characters) and `?` (one character), everything else literal."""
    parts = [".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern]
    return re.compile("".join(parts) + r"\Z", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcard matching: `*` and `?`; no other character is special."""
    if pattern == "*":
        return True
    return _glob(pattern, ignore_case).match(value) is not None


def arn_match(pattern: str, value: str) -> bool:
    """ArnLike/Resource matching: the six `:`-separated parts of an ARN are matched one by one
    (wildcards do not cross a part boundary, except in the last, the resource part)."""
    if pattern == "*":
        return True
    if not pattern.startswith("arn:") or not value.startswith("arn:"):
        return glob_match(pattern, value)
    wanted, actual = pattern.split(":", 5), value.split(":", 5)
    if len(wanted) != 6 or len(actual) != 6:
        return glob_match(pattern, value)
    return all(glob_match(part, candidate) for part, candidate in zip(wanted, actual, strict=True))


def _string_equals(policy: str, value: str) -> bool:
    return policy == value


def _string_equals_ignore_case(policy: str, value: str) -> bool:
    return policy.lower() == value.lower()


def _string_like(policy: str, value: str) -> bool:
    return glob_match(policy, value)


def _arn_equals(policy: str, value: str) -> bool:
    return arn_match(policy, value)


def _bool(policy: str, value: str) -> bool:
    return policy.lower() == value.lower()


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    def match(policy: str, value: str) -> bool:
        try:
            return compare(float(value), float(policy))
        except ValueError:
            return False

    return match


_POSITIVE: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": _string_equals,
    "StringEqualsIgnoreCase": _string_equals_ignore_case,
    "StringLike": _string_like,
    "ArnEquals": _arn_equals,
    "ArnLike": _arn_equals,
    "Bool": _bool,
    "NumericEquals": _numeric(lambda value, policy: value == policy),
    "NumericLessThan": _numeric(lambda value, policy: value < policy),
    "NumericLessThanEquals": _numeric(lambda value, policy: value <= policy),
    "NumericGreaterThan": _numeric(lambda value, policy: value > policy),
    "NumericGreaterThanEquals": _numeric(lambda value, policy: value >= policy),
}
_NEGATED: dict[str, str] = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
}
SUPPORTED_OPERATORS = frozenset({*_POSITIVE, *_NEGATED, "Null"})


def _as_strings(value: Any) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    return [("true" if item else "false") if isinstance(item, bool) else str(item) for item in items]


def _lookup(context: Mapping[str, ContextValue], key: str) -> ContextValue | None:
    """Condition keys are case-insensitive."""
    if key in context:
        return context[key]
    lowered = key.lower()
    for name, value in context.items():
        if name.lower() == lowered:
            return value
    return None


def _single(base: str, policy_values: list[str], request_values: list[str]) -> bool:
    """One operator over one key: any policy value matching any request value (negated: none)."""
    if base in _NEGATED:
        compare = _POSITIVE[_NEGATED[base]]
        return not any(compare(policy, value) for policy in policy_values for value in request_values)
    compare = _POSITIVE[base]
    return any(compare(policy, value) for policy in policy_values for value in request_values)


def key_matches(operator: str, key: str, policy_value: Any, context: Mapping[str, ContextValue]) -> bool:
    """Whether `operator` over condition key `key` with `policy_value` holds in `context`."""
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    if base not in SUPPORTED_OPERATORS or qualifier not in ("", "ForAllValues", "ForAnyValue"):
        raise UnsupportedCondition(f"condition operator {operator!r} is not evaluated by localrun")
    present = _lookup(context, key)
    policy_values = _as_strings(policy_value)
    if base == "Null":
        return any((value.lower() == "true") == (present is None) for value in policy_values)
    if present is None:
        if qualifier == "ForAllValues" or if_exists:
            return True
        return qualifier == "" and base in _NEGATED
    request_values = _as_strings(present)
    if qualifier == "ForAllValues":
        return all(_single(base, policy_values, [value]) for value in request_values)
    if qualifier == "ForAnyValue":
        return any(_single(base, policy_values, [value]) for value in request_values)
    return _single(base, policy_values, request_values)


def block_matches(block: Mapping[str, Mapping[str, Any]], context: Mapping[str, ContextValue]) -> bool:
    """A statement's whole `Condition` block: every operator and every key must hold."""
    return all(
        key_matches(operator, key, value, context)
        for operator, keys in block.items()
        for key, value in keys.items()
    )


def condition_keys(block: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """The condition keys a block refers to."""
    return {key for keys in block.values() for key in keys}
