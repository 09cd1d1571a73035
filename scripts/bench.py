"""`make bench`: every benchmark of the project, one after the other, figures printed, nothing asserted.

- localrun throughput (executions/s of a ten-state workflow) and virtual time for long waits
- state transitions of every sample run (the unit Standard workflows are billed in), incl. the
  happy-path 3-item order
- RAG: transitions per document and the Step Functions cost per 100,000 documents
- CV safety: voting and stitching time for 5 x 1920x1080 frames
- tenant provisioning: transitions per run with slow activations
"""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS: list[tuple[str, list[str]]] = [
    ("localrun throughput and virtual time", ["-m", "localrun.bench"]),
    ("transitions per sample run", ["-m", "localrun", "demo"]),
    ("RAG ingestion cost per document", ["-m", "scripts.bench_rag"]),
    ("CV safety voting and stitching", ["-m", "scripts.bench_cv"]),
    ("tenant provisioning transitions", ["-m", "scripts.tenants.bench"]),
]


def main() -> int:
    failed = []
    for title, arguments in BENCHMARKS:
        print(f"\n=== {title}: python {' '.join(arguments)}", flush=True)
        if subprocess.run([sys.executable, *arguments], check=False).returncode != 0:
            failed.append(title)
    if failed:
        print(f"\nbenchmarks that did not complete: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
