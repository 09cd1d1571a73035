"""RAG ingestion: S3 prefix, object or URL sources -> fetch, parse, chunk, embed, upsert, validate."""
