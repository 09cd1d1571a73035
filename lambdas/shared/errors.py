"""Named task errors: the exception's class name is the `errorType` Step Functions Retry/Catch see."""

from __future__ import annotations


class TaskError(Exception):
    """Base of every error a handler raises on purpose; subclasses name a failure a workflow catches."""


class InvalidInput(TaskError):
    """The task input breaks the task's contract; nothing was changed."""


class TransientError(TaskError):
    """A dependency failed in a way worth retrying (throttling, 5xx, timeouts)."""
