"""Key prefixes of the artifacts bucket (mirrored by `lambdas/rag/layout.py`; a test keeps them equal)."""

REQUESTS_PREFIX = "requests/"
RAW_PREFIX = "raw/"
PARSED_PREFIX = "parsed/"
CHUNKS_PREFIX = "chunks/"
EMBEDDINGS_PREFIX = "embeddings/"
RUN_RECORDS_PREFIX = "runs/"
MAP_RESULTS_PREFIX = "map-results/"
REPORTS_PREFIX = "reports/"

# Intermediate artifacts that expire after `artifactRetentionDays`; raw copies and reports stay.
WORKING_PREFIXES = (
    REQUESTS_PREFIX,
    PARSED_PREFIX,
    CHUNKS_PREFIX,
    EMBEDDINGS_PREFIX,
    RUN_RECORDS_PREFIX,
    MAP_RESULTS_PREFIX,
)
