"""The Bedrock models the agent may plan and answer with: prices, context and output limits, one table.

Read by the agent settings (a model the table does not know is refused), by the construct (the
configured model's prices go to the handlers as MODEL_PRICES, its ARNs into the IAM policies) and
by bench/prices.py (the cost of a run). Prices are Amazon Bedrock's on-demand list prices in US East
(N. Virginia), in USD per 1,000 tokens (https://aws.amazon.com/bedrock/pricing/; last checked
2026-12-07). Prices change and some models move to extended-access rates: check the page before
relying on `maxCostUsd` with a model. A cross-region inference profile (`us.`, `eu.`, `apac.`,
`global.` before the model id) is billed here as its model; a profile with its own rate is not
modelled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

PRICES_SOURCE = "https://aws.amazon.com/bedrock/pricing/"
PRICES_READ_ON = "2026-12-07"
# The geography prefixes of Bedrock's cross-region (system-defined) inference profile ids.
INFERENCE_PROFILE_PREFIXES = ("us.", "eu.", "apac.", "global.")


@dataclass(frozen=True)
class ModelSpec:
    """What one Bedrock text model costs and accepts."""

    input_per_1k_tokens: float
    output_per_1k_tokens: float
    context_tokens: int
    max_output_tokens: int

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """USD for one call's token usage."""
        return (input_tokens * self.input_per_1k_tokens + output_tokens * self.output_per_1k_tokens) / 1_000

    def prices_json(self) -> str:
        """The prices as the handlers read them from MODEL_PRICES."""
        return json.dumps(
            {"inputPer1kTokens": self.input_per_1k_tokens, "outputPer1kTokens": self.output_per_1k_tokens},
            separators=(",", ":"),
        )


MODELS: dict[str, ModelSpec] = {
    "anthropic.claude-3-5-haiku-20241022-v1:0": ModelSpec(0.0008, 0.004, 200_000, 8_192),
    "anthropic.claude-3-haiku-20240307-v1:0": ModelSpec(0.00025, 0.00125, 200_000, 4_096),
    "anthropic.claude-3-5-sonnet-20241022-v2:0": ModelSpec(0.003, 0.015, 200_000, 8_192),
    "amazon.nova-lite-v1:0": ModelSpec(0.00006, 0.00024, 300_000, 5_000),
    "amazon.nova-pro-v1:0": ModelSpec(0.0008, 0.0032, 300_000, 5_000),
}
DEFAULT_MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0"


class UnknownModel(KeyError):
    """A model id (or inference profile id) the table has no prices for."""


def foundation_model_id(model_id: str) -> str:
    """The model behind `model_id`: the id itself, or an inference profile's id without its prefix."""
    for prefix in INFERENCE_PROFILE_PREFIXES:
        if model_id.startswith(prefix):
            return model_id.removeprefix(prefix)
    return model_id


def is_inference_profile(model_id: str) -> bool:
    return foundation_model_id(model_id) != model_id


def model_spec(model_id: str) -> ModelSpec:
    """The table's entry for a model or inference profile id; UnknownModel names the known ones."""
    spec = MODELS.get(foundation_model_id(model_id))
    if spec is None:
        known = ", ".join(MODELS)
        raise UnknownModel(f"{model_id!r} is not in the agent's model table (known: {known})")
    return spec
