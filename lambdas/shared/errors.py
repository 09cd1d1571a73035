"""Named task errors: the exception's class name is the `errorType` Step Functions Retry/Catch see."""

from __future__ import annotations

import json
from typing import Any


class TaskError(Exception):
    """Base of every error a handler raises on purpose; subclasses name a failure a workflow catches."""


class InvalidInput(TaskError):
    """The task input breaks the task's contract; nothing was changed."""


class TransientError(TaskError):
    """A dependency failed in a way worth retrying (throttling, 5xx, timeouts)."""


def cause_message(cause: Any) -> str:
    """The human part of a caught error's `Cause`: a Lambda error's JSON `errorMessage`, else the text."""
    text = "" if cause is None else str(cause)
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    if isinstance(parsed, dict) and "errorMessage" in parsed:
        return str(parsed["errorMessage"])
    return text
