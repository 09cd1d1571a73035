"""Local (moto) set-up for RAG samples: state a declarative seed cannot express.

`ingest_then_delete` is the `setup` hook of `examples/rag/object-deleted.json`: it ingests the
sample's seeded source objects, then deletes them from the bucket, so the sample's run is what the
Object Deleted rule starts for an object the index holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from localrun import LocalRunner
    from localrun.samples import Sample

SOURCES = "Workflow/Sources"


def ingest_then_delete(runner: LocalRunner, sample: Sample) -> None:
    keys = [entry["key"] for entry in sample.seed.get("s3", []) if entry["bucket"] == SOURCES]
    ingested = runner.run({"objects": [{"key": key} for key in keys]}, timeout=60)
    if ingested.status != "SUCCEEDED":
        raise RuntimeError(f"{sample.name}: ingesting before the delete failed: {ingested.error}")
    bucket = runner.resource(SOURCES).name
    s3 = runner.client("s3")
    for key in keys:
        s3.delete_object(Bucket=bucket, Key=key)
