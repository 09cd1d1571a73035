"""Distributed Map `ItemBatcher` (moto's grammar has none): each child execution takes a batch.

`compat.adapt` takes `ItemBatcher` out of the definition moto parses and `compat.item_batchers`
keeps it; the runner registers each state machine's batchers here (by state machine ARN and Map
state name), and the Distributed Map run (`fixes/tolerated_failures.py`) batches the items before
any child starts,
as the Step Functions developer guide describes ("ItemBatcher (Map)", "Tolerated failure threshold"):

- the ItemSelector (or Parameters) applies to each item first, with that item's
  `$$.Map.Item.Index`/`Value`; then items are grouped in order;
- a batch holds at most `MaxItemsPerBatch` items (or the positive integer `MaxItemsPerBatchPath`
  selects from the Map state's input) and at most `MaxInputBytesPerBatch` bytes (or
  `MaxInputBytesPerBatchPath`; at most 256 KiB, the limit of a child's input, which also applies
  when no byte limit is given); when both are given, whichever is reached first closes the batch;
- in a JSONata state (no `...Path` fields there), `MaxItemsPerBatch`, `MaxInputBytesPerBatch` and
  `BatchInput` may be JSONata expressions (`{% ... %}`), evaluated with `$states.input` the Map
  state's input ("Transforming data with JSONata": fields that accept JSONata);
- each child execution's input is `{"Items": [...]}`, plus `"BatchInput"` (the `BatchInput`
  payload template evaluated against the Map state's input, context object included) when set;
- the tolerated failure threshold counts items: every item of a failed or timed-out child counts
  as failed; the Map Run's item counts are items, its execution counts are child executions;
- the ResultWriter lists each child execution once, with its batch as `Input`.

Where the guide is silent, localrun chooses: the byte size is that of the child's whole input as
compact UTF-8 JSON (`BatchInput` included), and an item too large for any batch gets a batch of
its own rather than failing the run.
"""

from __future__ import annotations

import copy
import functools
import json
import threading
from collections import Counter as Tally
from dataclasses import dataclass
from typing import Any

from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
    StatesErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.eval.states import ItemData, MapData
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

from localrun.engine.result_writer import RESULTS_ATTRIBUTE

MAX_BATCH_BYTES = 256 * 1024  # a child execution's input limit
LIMITS = ("MaxItemsPerBatch", "MaxInputBytesPerBatch")
_ABSENT = object()
_batchers: dict[str, dict[str, dict[str, Any]]] = {}
_lock = threading.Lock()


def register(state_machine_arn: str, batchers: dict[str, dict[str, Any]]) -> None:
    """The `ItemBatcher` of each Map state (by name) of the state machine at `state_machine_arn`."""
    with _lock:
        if batchers:
            _batchers[state_machine_arn] = dict(batchers)
        else:
            _batchers.pop(state_machine_arn, None)


def unregister(state_machine_arn: str) -> None:
    with _lock:
        _batchers.pop(state_machine_arn, None)


@dataclass(frozen=True)
class Batches:
    """A batched Map run: the eval input its children start from, and each batch's item count."""

    eval_input: Any
    sizes: tuple[int, ...]

    def count_items(self, record: Any) -> None:
        """Turn the Map Run's item counts (moto counted one per child execution) into items."""
        items: Tally[str] = Tally()
        for result in getattr(record, RESULTS_ATTRIBUTE, None) or []:
            items[result["Status"]] += self.sizes[result["_index"]]
        counter = record.item_counter
        for counted, value in (
            (counter.total, sum(self.sizes)),
            (counter.succeeded, items["SUCCEEDED"]),
            (counter.results_written, items["SUCCEEDED"]),
            (counter.failed, items["FAILED"]),
            (counter.timed_out, items["TIMED_OUT"]),
            (counter.aborted, items["ABORTED"]),
        ):
            counted.offset(value - counted.get())


def batch(env: Environment, eval_input: Any) -> Batches | None:
    """Replace the Map run's items on `env.stack` by its batches (None: the Map has no ItemBatcher)."""
    state_machine_arn = env.states.context_object.context_object_data["StateMachine"]["Id"]
    with _lock:
        spec = _batchers.get(state_machine_arn, {}).get(eval_input.state_name)
    if spec is None:
        return None
    items = env.stack.pop()
    map_input = env.stack[-1]
    selected = [_select(env, eval_input, map_input, index, item) for index, item in enumerate(items)]
    settings = _evaluate(env, spec, map_input)
    max_items = _limit(env, settings, "MaxItemsPerBatch", None)
    max_bytes = _limit(env, settings, "MaxInputBytesPerBatch", MAX_BATCH_BYTES)
    batch_input = settings.get("BatchInput", _ABSENT)
    groups = group(selected, max_items=max_items, max_bytes=max_bytes, batch_input=batch_input)
    env.stack.append([child_input(items, batch_input) for items in groups])
    children = copy.copy(eval_input)
    children.item_selector = None  # applied above, per item
    children.parameters = None
    return Batches(eval_input=children, sizes=tuple(len(items) for items in groups))


def child_input(items: list[Any], batch_input: Any = _ABSENT) -> dict[str, Any]:
    """A child execution's input: `{"BatchInput": ..., "Items": [...]}` (BatchInput only when set)."""
    if batch_input is _ABSENT:
        return {"Items": items}
    return {"BatchInput": batch_input, "Items": items}


def group(
    items: list[Any], *, max_items: int | None, max_bytes: int = MAX_BATCH_BYTES, batch_input: Any = _ABSENT
) -> list[list[Any]]:
    """Items in order, in batches of at most `max_items` items and `max_bytes` bytes of child input."""
    empty = _size(child_input([], batch_input))
    batches: list[list[Any]] = []
    current: list[Any] = []
    size = empty
    for item in items:
        added = _size(item) + (1 if current else 0)  # the comma before every item but the first
        full = max_items is not None and len(current) >= max_items
        if current and (full or size + added > max_bytes):
            batches.append(current)
            current, size, added = [], empty, _size(item)
        current.append(item)
        size += added
    if current:
        batches.append(current)
    return batches


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def _select(env: Environment, eval_input: Any, map_input: Any, index: int, item: Any) -> Any:
    """The item after the Map's ItemSelector (or Parameters), evaluated as for an unbatched child."""
    selector = eval_input.item_selector or eval_input.parameters
    if selector is None:
        return item
    frame = env.open_inner_frame()
    try:
        frame.states.context_object.context_object_data["Map"] = MapData(
            Item=ItemData(Index=index, Value=item)
        )
        frame.states.reset(input_value=map_input)
        frame.stack.append(map_input)
        selector.eval(frame)
        return frame.stack.pop()
    finally:
        env.delete_frame(frame)


def _evaluate(env: Environment, spec: dict[str, Any], map_input: Any) -> dict[str, Any]:
    """BatchInput and the limits: paths resolved against the Map state's input, or JSONata evaluated."""
    jsonata = spec.get("QueryLanguage") == "JSONata"
    template: dict[str, Any] = {}
    if "BatchInput" in spec:
        template["BatchInput"] = spec["BatchInput"]
    for field in LIMITS:
        if f"{field}Path" in spec and not jsonata:
            template[f"{field}.$"] = spec[f"{field}Path"]
        elif field in spec:
            template[field] = spec[field]
    if not template:
        return {}
    evaluator = _template(json.dumps(template, sort_keys=True), jsonata)
    frame = env.open_inner_frame()
    try:
        frame.states.reset(input_value=map_input)
        frame.stack.append(map_input)
        evaluator.eval(frame)
        return dict(frame.stack.pop())
    finally:
        env.delete_frame(frame)


@functools.lru_cache(maxsize=256)
def _template(template: str, jsonata: bool) -> Any:
    """`template` parsed by moto as a Pass state's Parameters (JSONPath) or Output (JSONata)."""
    field = "Output" if jsonata else "Parameters"
    state: dict[str, Any] = {"Type": "Pass", field: json.loads(template), "End": True}
    if jsonata:
        state["QueryLanguage"] = "JSONata"
    definition = {"StartAt": "Batch", "States": {"Batch": state}}
    batch_state = AmazonStateLanguageParser.parse(json.dumps(definition))[0].states.states["Batch"]
    return batch_state.output.jsonata_template_value if jsonata else batch_state.parameters


def _limit(env: Environment, settings: dict[str, Any], field: str, default: int | None) -> int | None:
    if field not in settings:
        return default
    value = settings[field]
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    upper = MAX_BATCH_BYTES if field == "MaxInputBytesPerBatch" else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or (upper and value > upper):
        bound = f" of at most {upper}" if upper else ""
        raise map_run_failure(
            env,
            StatesErrorNameType.StatesRuntime,
            f"ItemBatcher {field} must be a positive integer{bound}, got {value!r}",
        )
    return value


def map_run_failure(env: Environment, name: StatesErrorNameType, cause: str) -> FailureEventException:
    """The exception that fails a Map run with the `States.*` error `name` and `cause`."""
    return FailureEventException(
        FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=name),
            event_type=HistoryEventType.MapRunFailed,
            event_details=EventDetails(
                executionFailedEventDetails=ExecutionFailedEventDetails(error=name.to_name(), cause=cause)
            ),
        )
    )
