"""RAG ingestion task handlers: one module per task, plus small helpers they share."""
