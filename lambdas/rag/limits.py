"""The bounds Parse and Chunk work within (set from `stacks/rag/settings.py`, read per call)."""

from __future__ import annotations

from dataclasses import dataclass

from rag import contract
from shared import environment

# Defaults mirror RagSettings; the deployed functions always get them in their environment.
DEFAULT_CPU_SECONDS = 6
DEFAULT_MEMORY_MB = 512
DEFAULT_MAX_PAGES = 2000
DEFAULT_MAX_CHARACTERS = 4_000_000
DEFAULT_MAX_HTML_DEPTH = 512


@dataclass(frozen=True)
class Limits:
    """CPU seconds and address space of the worker process, and the caps on what a document may hold."""

    cpu_seconds: int = DEFAULT_CPU_SECONDS
    memory_mb: int = DEFAULT_MEMORY_MB
    max_pages: int = DEFAULT_MAX_PAGES
    max_characters: int = DEFAULT_MAX_CHARACTERS
    max_html_depth: int = DEFAULT_MAX_HTML_DEPTH

    @classmethod
    def from_environment(cls) -> Limits:
        return cls(
            cpu_seconds=environment.integer(contract.WORKER_CPU_SECONDS_ENV, DEFAULT_CPU_SECONDS),
            memory_mb=environment.integer(contract.WORKER_MEMORY_ENV, DEFAULT_MEMORY_MB),
            max_pages=environment.integer(contract.MAX_DOCUMENT_PAGES_ENV, DEFAULT_MAX_PAGES),
            max_characters=environment.integer(contract.MAX_TEXT_CHARACTERS_ENV, DEFAULT_MAX_CHARACTERS),
            max_html_depth=environment.integer(contract.MAX_HTML_DEPTH_ENV, DEFAULT_MAX_HTML_DEPTH),
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "cpu_seconds": self.cpu_seconds,
            "memory_mb": self.memory_mb,
            "max_pages": self.max_pages,
            "max_characters": self.max_characters,
            "max_html_depth": self.max_html_depth,
        }
