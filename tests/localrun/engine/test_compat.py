"""Valid ASL spellings moto's grammar rejects are rewritten without changing their meaning."""

from __future__ import annotations

import json

from localrun.engine.compat import adapt, item_batchers


def test_untouched_definitions_are_returned_as_is() -> None:
    definition = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})

    assert adapt(definition) == (definition, [])


def test_integer_tolerated_failure_and_express_item_processor() -> None:
    definition = json.dumps(
        {
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "ToleratedFailurePercentage": 100,
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                        "StartAt": "P",
                        "States": {"P": {"Type": "Pass", "End": True}},
                    },
                    "End": True,
                }
            },
        }
    )

    text, notes = adapt(definition)
    state = json.loads(text)["States"]["M"]

    assert state["ToleratedFailurePercentage"] == 100.0
    assert state["ItemProcessor"]["ProcessorConfig"]["ExecutionType"] == "STANDARD"
    assert len(notes) == 2


def test_item_batchers_are_taken_out_and_kept_by_map_state_name() -> None:
    batcher = {"MaxItemsPerBatch": 10, "BatchInput": {"run.$": "$$.Execution.Name"}}
    inner = {"Type": "Map", "ItemBatcher": {"MaxInputBytesPerBatch": 1024}, "ItemProcessor": {}, "End": True}
    definition = json.dumps(
        {
            "StartAt": "Outer",
            "States": {
                "Outer": {
                    "Type": "Map",
                    "ItemBatcher": batcher,
                    "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": inner}},
                    "End": True,
                }
            },
        }
    )

    text, notes = adapt(definition)

    assert "ItemBatcher" not in text
    assert [note.split(":")[0] for note in notes] == [
        "$.States.Outer.ItemBatcher",
        "$.States.Outer.ItemProcessor.States.Inner.ItemBatcher",
    ]
    assert item_batchers(definition) == {"Outer": batcher, "Inner": {"MaxInputBytesPerBatch": 1024}}
