"""Distributed Map item failures count against the Map's tolerated failure threshold (moto swallowed them).

moto's map run succeeded with a null item for a failed one. Failed and timed-out items are now
counted against `ToleratedFailureCount`/`ToleratedFailurePercentage` (default 0): past the
threshold the Map fails with States.ExceedToleratedFailureThreshold. With an `ItemBatcher`
(emulated in `engine/item_batcher.py`, which this run applies first), the items of a failed child
execution all count; the run also opens the Map's `ResultWriter` record (`engine/result_writer.py`).

Upstream: no moto issue found; LocalStack, whose interpreter moto vendors, records the tolerance
fields without evaluating them: https://github.com/localstack/localstack/pull/11058
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.distributed_iteration_component import (  # noqa: E501
    DistributedIterationComponent,
)
from moto.stepfunctions.parser.asl.eval.environment import Environment

from localrun.engine import item_batcher, result_writer
from localrun.engine.overrides import replace

OVERRIDE_KIND = "fix"
OVERRIDE_TEST = "tests/localrun/engine/fixes/test_tolerated_failures.py"


def install() -> None:
    replace(DistributedIterationComponent, "_map_run", _build_map_run)


def _build_map_run(original: Callable[..., None]) -> Callable[..., None]:
    def map_run(self: DistributedIterationComponent, env: Environment, eval_input: Any) -> None:
        record = eval_input.map_run_record
        result_writer.begin(env, record)
        batches = item_batcher.batch(env, eval_input)
        original(self, env, eval_input if batches is None else batches.eval_input)
        if batches is not None:
            batches.count_items(record)
        counter = record.item_counter
        failed = counter.failed.get() + counter.timed_out.get()
        total = counter.total.get()
        if failed == 0 or not _exceeds(failed, total, record):
            return
        env.stack.pop()
        cause = (
            f"The specified tolerated failure threshold was exceeded: {failed} of {total} items "
            f"failed (ToleratedFailureCount {record.tolerated_failure_count}, "
            f"ToleratedFailurePercentage {record.tolerated_failure_percentage})"
        )
        raise item_batcher.map_run_failure(
            env, StatesErrorNameType.StatesExceedToleratedFailureThreshold, cause
        )

    return map_run


def _exceeds(failed: int, total: int, record: Any) -> bool:
    count = record.tolerated_failure_count or 0
    percentage = record.tolerated_failure_percentage or 0.0
    return failed > count and (total == 0 or failed * 100.0 / total > percentage)
