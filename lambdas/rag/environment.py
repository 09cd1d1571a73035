"""Typed reads of the task functions' environment variables (read per call, never at import)."""

from __future__ import annotations

import os

from shared.errors import TaskError


class MisconfiguredFunction(TaskError):
    """A required environment variable is missing or malformed (a deployment bug, not an input)."""


def text(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise MisconfiguredFunction(f"environment variable {name} is not set")
    return value


def integer(name: str, default: int | None = None) -> int:
    raw = text(name, None if default is None else str(default))
    try:
        return int(raw)
    except ValueError:
        raise MisconfiguredFunction(f"environment variable {name}={raw!r} is not an integer") from None


def number(name: str, default: float | None = None) -> float:
    raw = text(name, None if default is None else str(default))
    try:
        return float(raw)
    except ValueError:
        raise MisconfiguredFunction(f"environment variable {name}={raw!r} is not a number") from None


def items(name: str) -> tuple[str, ...]:
    """A comma-separated list (empty when unset or blank)."""
    return tuple(part.strip() for part in os.environ.get(name, "").split(",") if part.strip())
