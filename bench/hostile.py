"""Parse and Chunk on the generated hostile corpus, inside the workflow's bounds (`rag.sandbox`).

Each case runs in the bounded child process with the dev environment's limits, as Parse runs it:
its outcome (parsed, or the named error), and the child's peak resident memory (VmHWM). Chunking
time per MB is the chunk job's wall time on a 4 MB prose text and a 1 MB text without any break
(the case that made the splitter superlinear before texts were cut into bounded sections).
"""

from __future__ import annotations

import time
from typing import Any

from bench.figures import Figure, Target

SECTION = "hot paths"
PEAK_MEMORY_TARGET = Target("<=", 512)


def cases() -> dict[str, bytes]:
    from tests.lambdas.rag import hostile

    return {
        "shared-stream.pdf": hostile.shared_stream_pdf(pages=5, operations=400_000),
        "pages.pdf": hostile.many_pages_pdf(2_001),
        "deep.html": hostile.deep_html(1_000),
        "dense.html": hostile.dense_html(10_000_000),
        "huge.txt": hostile.huge_text(20_000_000),
        "huge-under-caps.txt": hostile.huge_text(3_900_000),
        **hostile.ENCODED,
    }


def measure() -> tuple[list[Figure], dict[str, Any]]:
    from rag import sandbox
    from rag.errors import TaskError
    from rag.limits import Limits

    from stacks.rag.settings import RagSettings

    settings = RagSettings()
    limits = Limits(
        cpu_seconds=settings.worker_cpu_seconds,
        memory_mb=settings.worker_memory_mb,
        max_pages=settings.max_document_pages,
        max_characters=settings.max_text_characters,
        max_html_depth=settings.max_html_depth,
    )
    outcomes: dict[str, Any] = {}
    peaks = []
    for name, body in cases().items():
        started = time.perf_counter()
        try:
            outcome = sandbox.run("parse", {"contentType": "", "name": name}, body, limits)
            result: dict[str, Any] = {"outcome": "parsed", "peakMemoryMb": outcome.peak_memory_mb}
            peaks.append(outcome.peak_memory_mb)
        except TaskError as error:
            result = {"outcome": type(error).__name__, "message": str(error)[:200]}
        result.update(bytes=len(body), seconds=round(time.perf_counter() - started, 2))
        outcomes[name] = result
    chunking = {name: _chunk_seconds_per_mb(text, limits, settings) for name, text in _chunk_texts().items()}
    figures = [
        Figure(
            SECTION,
            "Parse peak memory on the hostile corpus",
            max(peaks),
            "MB",
            PEAK_MEMORY_TARGET,
            note=f"{len(outcomes)} cases, limits {limits.as_dict()}; outcomes: "
            + ", ".join(f"{name} {result['outcome']}" for name, result in outcomes.items()),
        ),
        *(
            Figure(SECTION, f"chunking time per MB ({name})", seconds, "s/MB", note="bounded child process")
            for name, seconds in chunking.items()
        ),
    ]
    return figures, {"cases": outcomes, "chunkSecondsPerMb": chunking}


def _chunk_texts() -> dict[str, str]:
    from tests.lambdas.rag import hostile

    return {
        "prose, 4 MB": hostile.huge_text(4_000_000).decode(),
        "no breaks, 1 MB": hostile.unbroken_text(1_000_000).decode(),
    }


def _chunk_seconds_per_mb(text: str, limits: Any, settings: Any) -> float:
    from rag import sandbox

    options = {
        "format": "markdown",
        "tokenizer": settings.tokenizer,
        "tokens": settings.chunk_tokens,
        "overlap": settings.chunk_overlap_tokens,
    }
    started = time.perf_counter()
    sandbox.run("chunk", options, text.encode(), limits)
    return round((time.perf_counter() - started) / (len(text.encode()) / 1_000_000), 2)
