"""Deterministic Ground Truth labeling-job names: one per execution and task type, retry-safe."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from cv.contract import TASK_SHORT_NAMES
from cv.errors import UnknownTaskType

MAX_JOB_NAME = 63
_INVALID = re.compile(r"[^a-zA-Z0-9-]+")


def job_name(prefix: str, task_type: str, execution_id: str, started_at: str) -> str:
    """`<prefix>-<bbox|tape>-<yyyymmddHHMM>-<hash>`: unique per execution, the same on every retry."""
    if task_type not in TASK_SHORT_NAMES:
        raise UnknownTaskType(f"unknown task type {task_type!r}: expected one of {sorted(TASK_SHORT_NAMES)}")
    started = _timestamp(started_at)
    digest = hashlib.sha256(f"{execution_id}|{task_type}".encode()).hexdigest()[:8]
    suffix = f"-{TASK_SHORT_NAMES[task_type]}-{started}-{digest}"
    clean_prefix = _INVALID.sub("-", prefix).strip("-")[: MAX_JOB_NAME - len(suffix)].strip("-")
    return f"{clean_prefix or 'cv'}{suffix}"


def _timestamp(started_at: str) -> str:
    try:
        moment = datetime.fromisoformat(started_at.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return "000000000000"
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y%m%d%H%M")
