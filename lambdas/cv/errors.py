"""Named errors of the CV-safety tasks (class name = the errorType a workflow Catch matches)."""

from __future__ import annotations

from shared.errors import TaskError


class UnknownTaskType(TaskError):
    """The requested labeling task type is not one this workflow knows."""


class SelectionNotFound(TaskError):
    """The labeling run's selection file is missing: the run cannot be reconciled."""


class OutputManifestInvalid(TaskError):
    """The Ground Truth output manifest is missing or unreadable."""


class FramesUnusable(TaskError):
    """A camera's frames or detections cannot be composed (sizes differ, corrupt files)."""
