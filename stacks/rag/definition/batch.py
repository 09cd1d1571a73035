"""The Express child of the run's Distributed Map: one batch of documents, each through the document graph.

Every document's path ends in a state that succeeds (its line recorded, or a marker naming the
document and the error when even that failed), so one document never fails the others. The child
is checked at synth against the Express duration (stacks/rag/express_budget.py).
"""

from __future__ import annotations

from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.common.platform import Platform
from stacks.rag.express_budget import (
    BUDGET_SECONDS,
    EXPRESS_LIMIT_SECONDS,
    MARGIN_SECONDS,
    BatchWorstCase,
    batch_worst_case,
)
from stacks.rag.settings import EXPRESS_BUDGET_KEYS, RagSettings
from stacks.settings import ConfigError


def batch_definition(
    scope: Construct, platform: Platform, settings: RagSettings, document: sfn.IChainable
) -> sfn.Map:
    """The inline Map `IngestBatch` running `document` for each item of the batch."""
    batch = sfn.Map(
        scope,
        "IngestBatch",
        comment="Each document of the batch through the document pipeline",
        items_path="$.Items",
        item_selector={
            "item": sfn.JsonPath.object_at("$$.Map.Item.Value"),
            "runId": sfn.JsonPath.string_at("$.BatchInput.runId"),
        },
        max_concurrency=settings.documents_in_flight_per_batch,
    )
    batch.item_processor(document)
    check_express_budget(platform, batch_worst_case(batch.to_state_json(), settings.documents_per_batch))
    return batch


def check_express_budget(platform: Platform, worst: BatchWorstCase) -> None:
    """Fail synth, naming the keys to change, when one child's worst case does not fit Express."""
    if worst.fits:
        return
    keys = ", ".join(f"environments.{platform.name}.rag.{key}" for key in EXPRESS_BUDGET_KEYS)
    raise ConfigError(
        f"environments.{platform.name}.rag: one Express child can run {worst.describe()}, over the "
        f"{BUDGET_SECONDS} s budget ({EXPRESS_LIMIT_SECONDS} s Express limit - {MARGIN_SECONDS} s "
        f"margin); change {keys}"
    )
