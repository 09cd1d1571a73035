"""Chunking throughput of the RAG chunk step against langchain-text-splitters, same corpus and settings.

Corpus: the RAG sample corpus (examples/rag/corpus) parsed by the real parse step, plus this
repository's own Markdown documentation (README, docs/, localrun/README) - real technical prose of
the kind a knowledge base ingests. Settings: the dev environment's chunk size and overlap in tokens
of its tokenizer. The chunk step (`rag.chunking.split`, semantic-text-splitter) counts tokens with
its built-in tiktoken vocabulary; langchain's RecursiveCharacterTextSplitter gets the same vocabulary
through `bpe-openai` (tiktoken itself downloads its vocabulary at first use, which fails offline).
Both run in this process, alternately, several passes each; throughput is UTF-8 megabytes per second.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.figures import Figure, Target

SECTION = "hot paths"
ROOT = Path(__file__).resolve().parents[1]
SPEEDUP_TARGET = Target(">=", 3.0)
PASSES = 3
ENCODINGS = {"gpt-4": "cl100k_base", "gpt-3.5-turbo": "cl100k_base", "gpt-4o": "o200k_base"}
OURS = "rag chunk step (semantic-text-splitter)"
PEER = "langchain RecursiveCharacterTextSplitter"
IMPORTED_MODULES = {OURS: "semantic_text_splitter", PEER: "langchain_text_splitters"}
DOCUMENTATION = ("README.md", "docs/*.md", "localrun/README.md")


@dataclass(frozen=True)
class Document:
    name: str
    format: str
    text: str


def corpus() -> list[Document]:
    """The parsed sample corpus (unsupported files skipped, as the workflow fails them) and the docs."""
    from rag.errors import UnsupportedFormat
    from rag.parsers import parse

    documents = []
    for path in sorted((ROOT / "examples" / "rag" / "corpus").iterdir()):
        try:
            parsed = parse(path.read_bytes(), "", path.name)
        except UnsupportedFormat:
            continue
        documents.append(Document(path.name, parsed.format, parsed.text))
    for pattern in DOCUMENTATION:
        for path in sorted(ROOT.glob(pattern)):
            documents.append(Document(str(path.relative_to(ROOT)), "markdown", path.read_text()))
    return documents


def chunk_step(tokenizer: str, tokens: int, overlap: int) -> Callable[[Document], list[str]]:
    from rag.chunking import split

    def texts(document: Document) -> list[str]:
        chunks = split(document.text, document.format, tokenizer=tokenizer, tokens=tokens, overlap=overlap)
        return [chunk.text for chunk in chunks]

    return texts


def langchain_splitter(tokenizer: str, tokens: int, overlap: int) -> Callable[[Document], list[str]]:
    import bpe_openai
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    encoding = bpe_openai.get_encoding(ENCODINGS[tokenizer])
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=tokens,
        chunk_overlap=overlap,
        length_function=lambda text: len(encoding.encode_ordinary(text)),
    )
    return lambda document: splitter.split_text(document.text)


def import_milliseconds(module: str, runs: int = 3) -> float:
    """Median cold import time of `module` in a fresh interpreter (bytecode cached)."""
    from bench.lambdas import parse_importtime

    timings = []
    for _ in range(runs + 1):
        completed = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            capture_output=True,
            text=True,
            check=True,
        )
        timings.append(parse_importtime(completed.stderr, module)[0])
    return statistics.median(timings[1:])


def largest_chunk_tokens(
    split_texts: Callable[[Document], list[str]], documents: Sequence[Document], tokenizer: str
) -> int:
    """The most tokens in any chunk: both splitters must respect the same bound."""
    import bpe_openai

    encoding = bpe_openai.get_encoding(ENCODINGS[tokenizer])
    return max(
        len(encoding.encode_ordinary(text)) for document in documents for text in split_texts(document)
    )


def throughput(split: Callable[[Document], list[str]], documents: Sequence[Document]) -> tuple[float, int]:
    """(seconds for one pass over the corpus, chunks produced)."""
    started = time.perf_counter()
    chunks = sum(len(split(document)) for document in documents)
    return time.perf_counter() - started, chunks


def measure(passes: int = PASSES) -> tuple[list[Figure], dict[str, Any]]:
    from stacks.rag.settings import RagSettings

    settings = RagSettings()
    tokenizer, tokens, overlap = settings.tokenizer, settings.chunk_tokens, settings.chunk_overlap_tokens
    documents = corpus()
    megabytes = sum(len(document.text.encode()) for document in documents) / 1_000_000
    contenders = {
        OURS: chunk_step(tokenizer, tokens, overlap),
        PEER: langchain_splitter(tokenizer, tokens, overlap),
    }
    timings: dict[str, list[float]] = {name: [] for name in contenders}
    chunks: dict[str, int] = {}
    for split in contenders.values():
        throughput(split, documents[:1])  # warm-up: vocabularies, imports
    for _ in range(passes):
        for name, split in contenders.items():
            seconds, chunks[name] = throughput(split, documents)
            timings[name].append(seconds)
    rates = {name: megabytes / statistics.median(times) for name, times in timings.items()}
    largest = {name: largest_chunk_tokens(split, documents, tokenizer) for name, split in contenders.items()}
    imports = {name: import_milliseconds(module) for name, module in IMPORTED_MODULES.items()}
    ours, peer = rates[OURS], rates[PEER]
    settings_note = f"{tokens} tokens, overlap {overlap}, {tokenizer} vocabulary"
    figures = [
        Figure(
            SECTION,
            f"chunking: {name}",
            round(rate, 3),
            "MB/s",
            note=f"{chunks[name]} chunks from {len(documents)} documents ({megabytes:.3f} MB), "
            f"largest {largest[name]} tokens; {settings_note}",
        )
        for name, rate in rates.items()
    ]
    figures += [
        Figure(SECTION, f"chunking: cold import of {module}", round(imports[name], 1), "ms", note=name)
        for name, module in IMPORTED_MODULES.items()
    ]
    figures.append(
        Figure(SECTION, "chunking: speed-up over langchain", round(ours / peer, 1), "x", SPEEDUP_TARGET)
    )
    details = {
        "documents": len(documents),
        "megabytes": round(megabytes, 4),
        "settings": {"tokenizer": tokenizer, "tokens": tokens, "overlap": overlap},
        "passes": passes,
        "megabytesPerSecond": {name: round(rate, 3) for name, rate in rates.items()},
        "chunks": chunks,
        "largestChunkTokens": largest,
        "importMilliseconds": {name: round(value, 1) for name, value in imports.items()},
    }
    return figures, details
