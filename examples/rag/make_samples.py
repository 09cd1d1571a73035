"""Write the RAG sample runs (`examples/rag/*.json`) from the corpus in `corpus/`.

    .venv/bin/python examples/rag/make_samples.py

Every corpus file is ASCII (the PDF is written by make_pdf.py without the binary marker), so the
sample files can seed it as a JSON string. Run with `python -m localrun demo --workflow rag`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
SOURCES = "Workflow/Sources"
PREFIX = "documents/"
RUN_STATES = ["Plan", "Sweep", "IngestDocuments", "Report", "AnnounceCompletion", "RunComplete"]
# Every document failed: the report is written and IngestionCompleted announced, then the run fails.
ALL_FAILED = {
    "status": "FAILED",
    "error": "AllDocumentsFailed",
    "states": ["Plan", "Sweep", "IngestDocuments", "Report", "AnnounceCompletion", "AllDocumentsFailed"],
    "notStates": ["RunComplete"],
}


def seed(*names: str, **bodies: str) -> dict[str, Any]:
    files = {name: (CORPUS / name).read_text() for name in names} | bodies
    return {"s3": [{"bucket": SOURCES, "key": PREFIX + name, "body": body} for name, body in files.items()]}


def report(**counts: int) -> dict[str, Any]:
    return {"report": {"outcome": "succeeded", "counts": counts}}


def one(name: str) -> dict[str, Any]:
    return {"objects": [{"key": PREFIX + name}]}


SAMPLES: dict[str, dict[str, Any]] = {
    "ingest-corpus": {
        "description": "Full run over documents/: 5 formats ingested, the RTF file fails as unsupported",
        "input": {"prefix": PREFIX},
        "seed": seed(*sorted(path.name for path in CORPUS.iterdir())),
        "expect": {
            "status": "SUCCEEDED",
            "states": RUN_STATES,
            "output": report(documents=6, ingested=5, failed=1, unchanged=0, duplicates=2),
        },
    },
    "ingest-new-object": {
        "description": "What the Object Created rule sends for one upload: a one-document run",
        "input": one("runbook.md"),
        "seed": seed("runbook.md"),
        "expect": {"status": "SUCCEEDED", "states": RUN_STATES, "output": report(documents=1, ingested=1)},
    },
    "corrupt-pdf": {
        "description": "A truncated PDF fails alone with CorruptDocument; the run still succeeds",
        "input": {"prefix": PREFIX},
        "seed": seed(
            "release-notes.txt",
            **{"broken.pdf": (CORPUS / "handbook.pdf").read_text()[:500]},
        ),
        "expect": {"status": "SUCCEEDED", "output": report(documents=2, ingested=1, failed=1)},
    },
    "embedding-throttled": {
        "description": "Bedrock throttles twice; the Embed state retries with backoff and succeeds",
        "input": one("handbook.pdf"),
        "seed": seed("handbook.pdf"),
        "faults": ["Embed=EmbeddingThrottled:2"],
        "expect": {"status": "SUCCEEDED", "output": report(documents=1, ingested=1, failed=0)},
    },
    "fetch-timeout": {
        "description": "The source never answers: Fetch is retried, then the document is failed; it "
        "was the run's only document, so the run fails with AllDocumentsFailed after its report",
        "input": one("release-notes.txt"),
        "seed": seed("release-notes.txt"),
        "faults": [{"state": "Fetch", "error": "FetchTimeout", "times": None}],
        "expect": ALL_FAILED,
    },
    "validation-mismatch": {
        "description": "Validation fails after upsert: the new vectors are deleted, the document failed; "
        "no other document, so the run fails with AllDocumentsFailed after its report",
        "input": one("getting-started.html"),
        "seed": seed("getting-started.html"),
        "faults": [{"state": "Validate", "error": "ValidationMismatch", "times": None}],
        "expect": ALL_FAILED,
    },
    "record-failure-fails": {
        "description": "Validation fails and recording the failure fails too: DiscardVersion still "
        "deletes the failed version's vectors by key; the document is reported failed from its "
        "batch's output, and the run fails with AllDocumentsFailed",
        "input": one("getting-started.html"),
        "seed": seed("getting-started.html"),
        "faults": [
            {"state": "Validate", "error": "ValidationMismatch", "times": None},
            {"state": "RecordFailure", "error": "RegistryUnavailable", "times": None},
        ],
        "expect": ALL_FAILED,
    },
    "object-deleted": {
        "description": "What the Object Deleted rule sends for an ingested object that was deleted: "
        "the run finds it gone and removes its vectors and registry entry",
        "input": one("release-notes.txt"),
        "seed": seed("release-notes.txt"),
        "setup": "scripts.rag.local:ingest_then_delete",
        "expect": {
            "status": "SUCCEEDED",
            "states": RUN_STATES,
            "output": report(documents=1, removed=1, failed=0),
        },
    },
    "urls-not-allowed": {
        "description": "URLs outside allowedDomains (empty in dev) are reported as DomainNotAllowed; "
        "none could be ingested, so the run fails with AllDocumentsFailed",
        "input": {"urls": ["https://docs.example.com/guide", "http://insecure.example.com/"]},
        "expect": ALL_FAILED,
    },
    "request-rejected": {
        "description": "A prefix outside sourcePrefix is refused before any document is touched",
        "input": {"prefix": "elsewhere/"},
        "expect": {"status": "FAILED", "error": "InvalidRequest", "notStates": ["IngestDocuments"]},
    },
}


def main() -> None:
    for name, sample in SAMPLES.items():
        path = HERE / f"{name}.json"
        path.write_text(json.dumps(sample, indent=2) + "\n")
        sys.stdout.write(f"wrote {path.relative_to(HERE.parents[1])}\n")


if __name__ == "__main__":
    main()
