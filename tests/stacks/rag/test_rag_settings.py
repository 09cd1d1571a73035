"""The `rag` config section: defaults, and validation messages that name the key."""

from __future__ import annotations

import pytest

from stacks.application import project_context
from stacks.config import ConfigError, load_environment
from stacks.rag.embedding_models import EMBEDDING_MODELS
from stacks.rag.settings import RagSettings
from tests.support.environments import environment_names


def _environment(rag: dict) -> dict:
    return {"dev": {**project_context()["environments"]["dev"], "rag": rag}}


def test_defaults_are_valid_for_every_environment():
    for env in environment_names():
        config = load_environment(project_context()["environments"], env)
        assert config.rag.embedding_model_id == "amazon.titan-embed-text-v2:0"


def test_camel_case_keys_override_defaults():
    config = load_environment(
        _environment({"maxConcurrency": 50, "allowedDomains": ["docs.example.com"]}), "dev"
    )
    assert (config.rag.max_concurrency, config.rag.allowed_domains) == (50, ("docs.example.com",))


@pytest.mark.parametrize(
    ("rag", "message"),
    [
        (
            {"embeddingDimension": 768},
            "embeddingDimension 768 is not offered by amazon.titan-embed-text-v2:0",
        ),
        ({"embeddingModelId": "acme.embed"}, "embeddingModelId 'acme.embed' is not supported"),
        (
            {"chunkTokens": 100, "chunkOverlapTokens": 100},
            "chunkOverlapTokens must be smaller than chunkTokens",
        ),
        ({"allowedDomains": ["https://docs.example.com"]}, "environments.dev.rag.allowedDomains"),
        ({"sourcePrefix": "documents"}, "environments.dev.rag.sourcePrefix"),
        ({"maxConcurrency": 0}, "environments.dev.rag.maxConcurrency"),
        ({"documentsPerBatch": 0}, "environments.dev.rag.documentsPerBatch"),
        ({"documentsPerBatch": 51}, "environments.dev.rag.documentsPerBatch"),
        ({"batchConcurrency": 0}, "environments.dev.rag.batchConcurrency"),
        ({"maxConcurrency": 3}, "maxConcurrency 3 (documents in flight) is less than one batch's 10"),
        (
            {"chunkTokens": 8000, "chunkOverlapTokens": 200},
            "chunkTokens 8000 + chunkOverlapTokens 200 = 8200 tokens can exceed the input limit of "
            "embeddingModelId amazon.titan-embed-text-v2:0 (8,192 tokens or 50,000 characters per text)",
        ),
        (
            {"embeddingModelId": "cohere.embed-english-v3", "chunkTokens": 512},
            "can exceed the input limit of embeddingModelId cohere.embed-english-v3 (512 tokens or "
            "2,048 characters per text); with a 1.25x tokenizer margin and 6 characters per token at most "
            "341 fit",
        ),
        ({"allowedContentTypes": ["application/zip"]}, "environments.dev.rag.allowedContentTypes"),
        ({"maxConcurency": 5}, "unknown key"),
    ],
)
def test_bad_values_fail_with_a_message_naming_the_key(rag, message):
    with pytest.raises(ConfigError, match=r"environments\.dev\.rag") as error:
        load_environment(_environment(rag), "dev")
    assert message in str(error.value)


def test_documents_in_flight_are_batches_in_flight_times_the_batch_concurrency():
    defaults = RagSettings()
    assert (defaults.documents_per_batch, defaults.batch_concurrency, defaults.max_concurrency) == (
        10,
        10,
        10,
    )
    assert (defaults.batches_in_flight, defaults.documents_in_flight_per_batch) == (1, 10)
    small = RagSettings(documents_per_batch=3, batch_concurrency=5, max_concurrency=10)
    assert (small.documents_in_flight_per_batch, small.batches_in_flight) == (3, 3)


def test_cohere_and_titan_v1_dimensions():
    assert RagSettings(
        embedding_model_id="cohere.embed-english-v3",
        embedding_dimension=1024,
        chunk_tokens=256,
        chunk_overlap_tokens=32,
    )
    assert RagSettings(embedding_model_id="amazon.titan-embed-text-v1", embedding_dimension=1536)


def test_chunks_up_to_the_models_limit_with_its_margins_are_accepted():
    titan = EMBEDDING_MODELS["amazon.titan-embed-text-v2:0"]
    largest = titan.max_chunk_tokens()
    assert largest == 6553  # 8,192 / 1.25 (50,000 characters / 6 allows more)
    assert RagSettings(chunk_tokens=largest - 64, chunk_overlap_tokens=64)
    with pytest.raises(ValueError, match="chunkTokens"):
        RagSettings(chunk_tokens=largest - 63, chunk_overlap_tokens=64)
