"""Chunk: parsed text -> token-bounded chunks with overlap, deterministic ids and offsets (JSONL).

Chunking runs in the same bounded child process as parsing (`rag.sandbox`), in time linear in the
text (`rag.chunking`): beyond `workerCpuSeconds` or `workerMemoryMb` it fails as `DocumentTooComplex`.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from rag import artifacts, chunking, contract, documents, layout, sandbox
from rag.errors import InvalidInput, NoExtractableText
from rag.limits import Limits
from shared import clients, environment
from shared.task import logger, task_handler


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    document, parsed = event_input.get("document"), event_input.get("parsed")
    if not isinstance(document, dict) or not isinstance(parsed, dict) or "parsedKey" not in parsed:
        raise InvalidInput("expected {'document': {...}, 'parsed': {'parsedKey': ...}}")
    store = artifacts.Store.from_environment(clients.client("s3", clients.STANDARD))
    content = store.get_json(parsed["parsedKey"])
    options = {
        "format": content["format"],
        "tokenizer": environment.text(contract.TOKENIZER_ENV),
        "tokens": environment.integer(contract.CHUNK_TOKENS_ENV),
        "overlap": environment.integer(contract.CHUNK_OVERLAP_ENV),
    }
    outcome = sandbox.run("chunk", options, content["text"].encode(), Limits.from_environment())
    chunks = [
        chunking.Chunk(index, start, start + len(text), text)
        for index, (start, text) in enumerate(outcome.result)
    ]
    if not chunks:
        raise NoExtractableText(f"{document['source']}: the text produced no chunks")
    document_id, version = document["documentId"], document["version"]
    key = layout.chunks_key(document_id, version)
    store.put_jsonl(
        key,
        (
            {
                "id": documents.chunk_key(document_id, version, chunk.index),
                "index": chunk.index,
                "start": chunk.start,
                "end": chunk.end,
                "text": chunk.text,
            }
            for chunk in chunks
        ),
    )
    logger.info("chunked", extra={"chunks": len(chunks)})
    return {"chunksKey": key, "count": len(chunks)}
