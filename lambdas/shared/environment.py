"""Typed reads of a task function's environment variables, read per call, never at import.

The construct sets every variable its handlers read; one that is absent or malformed is a deployment
bug, not bad input, so it fails the task with a named error (`MissingSetting`, `MalformedSetting`)
that names the variable.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection
from typing import Any

from shared.errors import TaskError


class MisconfiguredFunction(TaskError):
    """An environment variable the function needs is missing or malformed (a deployment bug)."""


class MissingSetting(MisconfiguredFunction):
    """A required environment variable is not set."""


class MalformedSetting(MisconfiguredFunction):
    """An environment variable is set to a value its reader cannot use."""


def text(name: str, default: str | None = None) -> str:
    """The variable's value (it may be blank); `default` when unset, else `MissingSetting`."""
    value = os.environ.get(name, default)
    if value is None:
        raise MissingSetting(f"environment variable {name} is not set")
    return value


def integer(name: str, default: int | None = None) -> int:
    raw = text(name, None if default is None else str(default))
    try:
        return int(raw)
    except ValueError:
        raise MalformedSetting(f"environment variable {name}={raw!r} is not an integer") from None


def number(name: str, default: float | None = None) -> float:
    raw = text(name, None if default is None else str(default))
    try:
        return float(raw)
    except ValueError:
        raise MalformedSetting(f"environment variable {name}={raw!r} is not a number") from None


def items(name: str, *, required: bool = False) -> tuple[str, ...]:
    """A comma-separated list without blanks; empty when unset, unless `required` (`MissingSetting`)."""
    raw = text(name) if required else os.environ.get(name, "")
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def json_object(name: str) -> dict[str, Any]:
    """A required variable holding a JSON object."""
    raw = text(name)
    try:
        value = json.loads(raw)
    except ValueError:
        raise MalformedSetting(f"environment variable {name} is not JSON") from None
    if not isinstance(value, dict):
        raise MalformedSetting(f"environment variable {name} is not a JSON object")
    return value


def choice(name: str, allowed: Collection[str], default: str) -> str:
    """One of `allowed` (`default` when unset), else `MalformedSetting` listing them."""
    value = text(name, default)
    if value not in allowed:
        raise MalformedSetting(f"environment variable {name}={value!r} is not one of {sorted(allowed)}")
    return value
