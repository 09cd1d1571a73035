"""EMULATION of a CloudWatch Logs metric filter on JSON log events, for the pattern form Stepwise uses.

AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html ("Matching terms in JSON log events"): a
pattern `{ ($.type = "ExecutionFailed") && ($.details.error != "PaymentDeclined") }` matches a JSON
log event whose selected values compare as written. Supported: terms `($.a.b = value)` and
`($.a.b != value)` with a quoted or bare value, joined by `&&` or by `||` (not both). A selector the
event lacks satisfies no term. Any other pattern is refused, never guessed at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_TERM = re.compile(r'\(\s*\$((?:\.[A-Za-z_][\w-]*)+)\s*(!=|=)\s*("(?:[^"\\]|\\.)*"|[^\s()"]+)\s*\)')
_MISSING = object()


class UnsupportedPattern(ValueError):
    """The pattern is not in the subset this emulation evaluates."""


@dataclass(frozen=True)
class _Term:
    path: tuple[str, ...]
    operator: str
    value: str

    def holds(self, event: Any) -> bool:
        actual: Any = event
        for name in self.path:
            actual = actual.get(name, _MISSING) if isinstance(actual, Mapping) else _MISSING
        if actual is _MISSING or isinstance(actual, Mapping | list):
            return False
        equal = _text(actual) == self.value
        return equal if self.operator == "=" else not equal


@dataclass(frozen=True)
class MetricFilter:
    """A parsed JSON filter pattern."""

    terms: tuple[_Term, ...]
    any_of: bool

    @classmethod
    def parse(cls, pattern: str) -> MetricFilter:
        body = pattern.strip()
        if not (body.startswith("{") and body.endswith("}")):
            raise UnsupportedPattern(f"not a JSON filter pattern: {pattern!r}")
        body = body[1:-1].strip()
        if "&&" in body and "||" in body:
            raise UnsupportedPattern(f"&& and || mixed: {pattern!r}")
        any_of = "||" in body
        terms = []
        for part in body.split("||" if any_of else "&&"):
            found = _TERM.fullmatch(part.strip())
            if found is None:
                raise UnsupportedPattern(f"unsupported term {part.strip()!r} in {pattern!r}")
            path, operator, raw = found.groups()
            value = json.loads(raw) if raw.startswith('"') else raw
            terms.append(_Term(tuple(path.split(".")[1:]), operator, value))
        return cls(tuple(terms), any_of)

    def matches(self, message: str) -> bool:
        """Whether a log event's text (a JSON object) is counted by this filter."""
        try:
            event = json.loads(message)
        except json.JSONDecodeError:
            return False
        results = (term.holds(event) for term in self.terms)
        return any(results) if self.any_of else all(results)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
