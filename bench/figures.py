"""A measured figure with its unit and, where the project set one, its target."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

COMPARISONS: dict[str, Callable[[float, float], bool]] = {"<=": operator.le, ">=": operator.ge}
SYMBOLS = {"<=": "≤", ">=": "≥"}


@dataclass(frozen=True)
class Target:
    """`value <comparison> limit`, e.g. Target("<=", 25) for "at most 25"."""

    comparison: str
    limit: float

    def __post_init__(self) -> None:
        if self.comparison not in COMPARISONS:
            raise ValueError(f"unknown comparison {self.comparison!r}: use one of {sorted(COMPARISONS)}")

    def met_by(self, value: float) -> bool:
        return COMPARISONS[self.comparison](value, self.limit)

    def describe(self, unit: str) -> str:
        return f"{SYMBOLS[self.comparison]} {format_number(self.limit)} {unit}".strip()


@dataclass(frozen=True)
class Figure:
    """One measured value; `note` says how it was obtained or why a target does not apply."""

    section: str
    name: str
    value: float
    unit: str
    target: Target | None = None
    note: str = ""

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.target.met_by(self.value)

    def verdict(self) -> str:
        if self.target is None:
            return ""
        return "met" if self.met else "MISSED"

    def line(self) -> str:
        """`name: value unit  (target ≤ x unit: met)` for the console."""
        text = f"{self.name}: {format_number(self.value)} {self.unit}".rstrip()
        if self.target is not None:
            text += f"  (target {self.target.describe(self.unit)}: {self.verdict()})"
        if self.note:
            text += f"  [{self.note}]"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "target": None
            if self.target is None
            else {"comparison": self.target.comparison, "limit": self.target.limit},
            "met": self.met,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Figure:
        target = raw.get("target")
        return cls(
            section=raw["section"],
            name=raw["name"],
            value=raw["value"],
            unit=raw["unit"],
            target=None if target is None else Target(target["comparison"], target["limit"]),
            note=raw.get("note", ""),
        )


def format_number(value: float) -> str:
    """Readable magnitude: integers plainly, small values with enough significant digits."""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.3g}"
