"""AWS Step Functions list prices, to turn measured transitions and durations into dollars.

Source: https://aws.amazon.com/step-functions/pricing/ (US East, N. Virginia), read 2026-11-22.
Standard workflows are billed per state transition, retries included. Express workflows are billed
per request plus duration times memory: duration rounded up to the next 100 ms, memory in 64 MB chunks
(64 MB is the minimum; it grows with definition and payload size). Free tiers are not deducted;
the Express duration price is the first tier (first 1,000 GB-hours a month), the highest.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from stacks.agent.models import MODELS, ModelSpec, model_spec

PRICES_SOURCE = "https://aws.amazon.com/step-functions/pricing/"
PRICES_READ_ON = "2026-11-22"
PRICES_REGION = "us-east-1"

STANDARD_PER_TRANSITION = 0.025 / 1_000
EXPRESS_PER_REQUEST = 1.00 / 1_000_000
EXPRESS_PER_GB_SECOND = 0.00001667
EXPRESS_MEMORY_CHUNK_MB = 64
EXPRESS_DURATION_STEP_SECONDS = 0.1


# The upload path's queue and pipe (https://aws.amazon.com/sqs/pricing/ and
# https://aws.amazon.com/eventbridge/pricing/, read 2026-12-07): SQS standard requests and Pipes
# requests, each $0.40 per million (a Pipes request is each 64 KB chunk of a batch's payload).
SQS_PER_REQUEST = 0.40 / 1_000_000
PIPES_PER_REQUEST = 0.40 / 1_000_000
PIPES_CHUNK_BYTES = 64 * 1024


def standard_charge(transitions: float) -> float:
    """Dollars for `transitions` Standard state transitions."""
    return transitions * STANDARD_PER_TRANSITION


def billed_express_seconds(seconds: float) -> float:
    """One Express execution's duration as billed: rounded up to the next 100 ms (at least 100 ms)."""
    steps = max(1, math.ceil(round(seconds / EXPRESS_DURATION_STEP_SECONDS, 6)))
    return steps * EXPRESS_DURATION_STEP_SECONDS


def express_charge(durations: Iterable[float], memory_mb: int = EXPRESS_MEMORY_CHUNK_MB) -> float:
    """Dollars for one Express execution per duration in `durations` (seconds), at `memory_mb`."""
    chunks = max(1, math.ceil(memory_mb / EXPRESS_MEMORY_CHUNK_MB))
    gigabytes = chunks * EXPRESS_MEMORY_CHUNK_MB / 1024
    requests = 0
    gb_seconds = 0.0
    for seconds in durations:
        requests += 1
        gb_seconds += billed_express_seconds(seconds) * gigabytes
    return requests * EXPRESS_PER_REQUEST + gb_seconds * EXPRESS_PER_GB_SECOND


# Bedrock model prices (the agent's Plan and Aggregate calls): one table, stacks/agent/models.py,
# which also feeds the handlers' cost cap (MODEL_PRICES), so the bench and the cap never disagree.
MODEL_PRICES: dict[str, ModelSpec] = MODELS


def model_charge(model_id: str, input_tokens: int, output_tokens: int) -> float:
    """Dollars for `input_tokens` in and `output_tokens` out of `model_id` (a model or inference profile)."""
    return model_spec(model_id).cost(input_tokens, output_tokens)
