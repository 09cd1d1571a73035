"""Named errors of the agent workflow: each class name is the `errorType` the state machine catches."""

from __future__ import annotations

from shared.errors import InvalidInput, TaskError, TransientError


class InvalidRequest(InvalidInput):
    """The request breaks the schema or exceeds the configured limits; the message names the field."""


class DuplicateRequest(TaskError):
    """Another execution is already working on this requestId; this one changes nothing."""


class InvalidPlan(TaskError):
    """The model planned an unknown tool or invalid arguments again after its one correction."""


class BudgetExceeded(TaskError):
    """The run would pass its round, token or cost limit; it ends with a partial report."""


class GuardrailBlocked(TaskError):
    """The configured Bedrock guardrail intervened on the task or the draft."""


class ModelUnavailable(TransientError):
    """Bedrock throttled, timed out or failed on its side; safe to retry."""


class ToolFailed(TaskError):
    """A tool could not produce a result (bad arguments at run time, an upstream refusal)."""
