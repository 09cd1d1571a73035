"""Run parsing or chunking of one document in a child process with CPU-time and memory limits.

A hostile document (a PDF whose pages share one huge content stream, HTML of dense tags, text that
defeats the tokenizer) costs the child, never the handler: the child has `cpu_seconds` of CPU
(RLIMIT_CPU) and `memory_mb` of address space (RLIMIT_AS). Exceeding either is
`DocumentTooComplex`, a permanent error for that content (`errors.PERMANENT_ERRORS`). The child
gets no AWS credentials: it only ever sees the bytes it is given.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag import errors
from rag.errors import DocumentTooComplex
from rag.limits import Limits
from shared.errors import TransientError

WORKER = Path(__file__).with_name("worker.py")
# Wall-clock backstop for a child that waits instead of computing (CPU time stops counting).
WALL_FACTOR = 2
WALL_SLACK_SECONDS = 5
_CPU_SIGNALS = frozenset({-signal.SIGXCPU, -signal.SIGKILL})
_MEMORY_SIGNALS = frozenset({-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGBUS})
_CHILD_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "TZ")


class WorkerFailed(TransientError):
    """The worker process died for a reason that is not a bound (retried by the next run)."""


@dataclass(frozen=True)
class Outcome:
    result: Any
    peak_memory_mb: float


def run(job: str, options: dict[str, Any], payload: bytes, limits: Limits) -> Outcome:
    """The job's result, or the named error it raised (re-raised here), within `limits`."""
    header = {"job": job, "options": options, "limits": limits.as_dict(), "path": _import_path()}
    environment = {name: os.environ[name] for name in _CHILD_ENVIRONMENT if name in os.environ}
    wall = limits.cpu_seconds * WALL_FACTOR + WALL_SLACK_SECONDS
    with subprocess.Popen(
        [sys.executable, "-I", str(WORKER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    ) as child:
        try:
            stdout, stderr = child.communicate(json.dumps(header).encode() + b"\n" + payload, timeout=wall)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            raise WorkerFailed(f"{job} took more than {wall} s of wall-clock time") from None
    if child.returncode in _CPU_SIGNALS:
        raise DocumentTooComplex(f"{job} used more than {limits.cpu_seconds} s of CPU (workerCpuSeconds)")
    if child.returncode in _MEMORY_SIGNALS:
        raise DocumentTooComplex(
            f"{job} stopped by signal {-child.returncode}, most likely beyond {limits.memory_mb} MB of "
            "memory (workerMemoryMb)"
        )
    try:
        output = json.loads(stdout)
    except ValueError:
        tail = stderr.decode(errors="replace")[-500:]
        raise WorkerFailed(f"{job} worker exited with {child.returncode}: {tail}") from None
    peak = int(output.get("peakMemoryKb", 0)) / 1024
    if "error" in output:
        raise _named(output["error"], output.get("message", ""))
    return Outcome(output["result"], round(peak, 1))


def _named(name: str, message: str) -> Exception:
    """The handler error of that name (a permanent or retried one), else a `WorkerFailed`."""
    error_type = getattr(errors, name, None)
    if isinstance(error_type, type) and issubclass(error_type, errors.TaskError) and name in errors.__all__:
        return error_type(message)
    return WorkerFailed(f"{name}: {message}")


def _import_path() -> list[str]:
    """Where the handler's packages live (the function's code and layers), for the child's imports."""
    package_root = str(Path(__file__).resolve().parents[1])
    return [package_root, *(entry for entry in sys.path if entry and os.path.isdir(entry))]
