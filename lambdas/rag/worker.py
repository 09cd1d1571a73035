"""The child process of `rag.sandbox`: limit itself, run one parse or chunk job, print the result.

Run as `python -I worker.py`: stdin holds one JSON header line (job, options, limits, sys.path)
followed by the payload bytes; stdout receives one JSON object, `{"result": ...}` or
`{"error": <name>, "message": ...}`, with the process's peak memory. It imports nothing of the
handler's until its CPU-time and address-space limits are in place.
"""

from __future__ import annotations

import json
import resource
import sys
from typing import Any

MEMORY_EXIT = 3


def main() -> None:
    header = json.loads(sys.stdin.buffer.readline())
    payload = sys.stdin.buffer.read()
    limits = header["limits"]
    cpu, memory = int(limits["cpu_seconds"]), int(limits["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    sys.path[:0] = header["path"]
    try:
        output: dict[str, Any] = {"result": _run(header["job"], header["options"], limits, payload)}
    except MemoryError:
        payload = b""
        output = {
            "error": "DocumentTooComplex",
            "message": f"needed more than {limits['memory_mb']} MB of memory (workerMemoryMb)",
        }
    except Exception as error:  # reported by name; the parent re-raises the named ones
        output = {"error": type(error).__name__, "message": str(error)[:1000]}
    output["peakMemoryKb"] = _peak_memory_kb()
    sys.stdout.write(json.dumps(output, ensure_ascii=False))


def _peak_memory_kb() -> int:
    """This process's peak resident memory since exec (`ru_maxrss` would include the forked parent's)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _run(job: str, options: dict[str, Any], limits: dict[str, int], payload: bytes) -> Any:
    if job == "parse":
        from rag import parsers
        from rag.limits import Limits

        parsed = parsers.parse(payload, options["contentType"], options["name"], Limits(**limits))
        return {"format": parsed.format, "title": parsed.title, "text": parsed.text}
    if job == "chunk":
        from rag import chunking

        chunks = chunking.split(
            payload.decode(),
            options["format"],
            tokenizer=options["tokenizer"],
            tokens=options["tokens"],
            overlap=options["overlap"],
        )
        return [[chunk.start, chunk.text] for chunk in chunks]
    raise ValueError(f"unknown job {job!r}")


if __name__ == "__main__":
    main()
