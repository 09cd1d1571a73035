"""Distributed Map ItemBatcher: items grouped into child executions as Step Functions groups them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from localrun import LocalRunner
from localrun.engine.item_batcher import MAX_BATCH_BYTES, child_input, group
from tests.localrun.asl_stacks import asl_template

RESULT_WRITER = {
    "Resource": "arn:aws:states:::s3:putObject",
    "Parameters": {"Bucket": {"Ref": "Results"}, "Prefix": "batches"},
}
# A child fails when the first item of its batch is not ok; otherwise it reports what it received.
PROCESSOR = {
    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
    "StartAt": "FirstOk?",
    "States": {
        "FirstOk?": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.Items[0].ok", "BooleanEquals": False, "Next": "Broken"}],
            "Default": "Count",
        },
        "Count": {
            "Type": "Pass",
            "Parameters": {"size.$": "States.ArrayLength($.Items)", "input.$": "$"},
            "End": True,
        },
        "Broken": {"Type": "Fail", "Error": "BatchBroken", "Cause": "the batch starts with a bad item"},
    },
}
BY_COUNT = {
    "Type": "Map",
    "ItemsPath": "$.items",
    "ItemSelector": {
        "id.$": "$$.Map.Item.Value.id",
        "ok.$": "$$.Map.Item.Value.ok",
        "at.$": "$$.Map.Item.Index",
    },
    "ItemBatcher": {
        "MaxItemsPerBatchPath": "$.perBatch",
        "BatchInput": {"run.$": "$.run", "execution.$": "$$.Execution.Name", "fixed": 7},
    },
    "ItemProcessor": PROCESSOR,
    "ToleratedFailureCount": 2,
    "ResultWriter": RESULT_WRITER,
    "ResultPath": "$.map",
    "End": True,
}
BY_BYTES = {
    "Type": "Map",
    "ItemsPath": "$.items",
    "ItemBatcher": {"MaxItemsPerBatch": 3, "MaxInputBytesPerBatch": 60},
    "ItemProcessor": PROCESSOR,
    "ResultWriter": RESULT_WRITER,
    "ResultPath": "$.map",
    "End": True,
}
LISTING = {
    "Type": "Map",
    "ItemReader": {
        "Resource": "arn:aws:states:::s3:listObjectsV2",
        "Parameters": {"Bucket": {"Ref": "Results"}, "Prefix": "in/"},
    },
    "ItemSelector": {"key.$": "$$.Map.Item.Value.Key", "ok": True},
    "ItemBatcher": {"MaxItemsPerBatch": 2},
    "ItemProcessor": PROCESSOR,
    "ResultWriter": RESULT_WRITER,
    "ResultPath": "$.map",
    "End": True,
}


@pytest.fixture(scope="module")
def runner() -> Iterator[LocalRunner]:
    definition = {
        "StartAt": "Route",
        "States": {
            "Route": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.mode", "StringEquals": "bytes", "Next": "ByBytes"},
                    {"Variable": "$.mode", "StringEquals": "listing", "Next": "Listing"},
                    {"Variable": "$.mode", "StringEquals": "strict", "Next": "Strict"},
                ],
                "Default": "ByCount",
            },
            "ByCount": BY_COUNT,
            "Strict": {**BY_COUNT, "ToleratedFailureCount": 1},
            "ByBytes": BY_BYTES,
            "Listing": LISTING,
        },
    }
    template = asl_template("ItemBatcherProbe", definition, {"Results": {"Type": "AWS::S3::Bucket"}})
    with LocalRunner(template) as local:
        yield local


def _items(*flags: bool) -> list[dict[str, Any]]:
    return [{"id": f"i{index}", "ok": ok, "noise": "x" * index} for index, ok in enumerate(flags)]


def _results(runner: LocalRunner, output: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    details = output["map"]["ResultWriterDetails"]
    s3 = runner.client("s3")
    manifest = json.loads(s3.get_object(Bucket=details["Bucket"], Key=details["Key"])["Body"].read())
    return {
        status: [
            entry
            for result_file in files
            for entry in json.loads(
                s3.get_object(Bucket=details["Bucket"], Key=result_file["Key"])["Body"].read()
            )
        ]
        for status, files in manifest["ResultFiles"].items()
    }


def test_each_child_gets_a_batch_of_selected_items_and_the_batch_input(runner: LocalRunner) -> None:
    result = runner.run(
        {"items": _items(True, True, True, True, True), "perBatch": 2, "run": "r-1"},
        name="batched-run",
    )

    assert result.status == "SUCCEEDED", result.cause
    succeeded = _results(runner, result.output)["SUCCEEDED"]
    inputs = [json.loads(entry["Input"]) for entry in succeeded]
    assert [[item["id"] for item in batch["Items"]] for batch in inputs] == [
        ["i0", "i1"],
        ["i2", "i3"],
        ["i4"],
    ]
    assert inputs[1]["Items"] == [{"id": "i2", "ok": True, "at": 2}, {"id": "i3", "ok": True, "at": 3}]
    assert all(
        batch["BatchInput"] == {"run": "r-1", "execution": "batched-run", "fixed": 7} for batch in inputs
    )
    assert sorted(inputs[0]) == ["BatchInput", "Items"]
    assert [json.loads(entry["Output"])["size"] for entry in succeeded] == [2, 2, 1]
    assert json.loads(succeeded[2]["Output"])["input"] == inputs[2]


def test_a_failed_child_is_one_result_entry_and_all_its_items_count_as_failed(runner: LocalRunner) -> None:
    items = _items(True, True, False, True, True)  # batches [i0 i1] [i2 i3] [i4]: the second fails

    tolerant = runner.run({"items": items, "perBatch": 2, "run": "r-2"})
    strict = runner.run({"mode": "strict", "items": items, "perBatch": 2, "run": "r-3"})

    assert tolerant.status == "SUCCEEDED", tolerant.cause
    results = _results(runner, tolerant.output)
    assert len(results["SUCCEEDED"]) == 2
    [failed] = results["FAILED"]
    assert [item["id"] for item in json.loads(failed["Input"])["Items"]] == ["i2", "i3"]
    assert (failed["Status"], failed["Error"]) == ("FAILED", "BatchBroken")
    # One failed child execution, two failed items: more than ToleratedFailureCount 1.
    assert (strict.status, strict.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    assert "2 of 5 items failed" in strict.cause


def test_map_run_counts_items_and_child_executions_apart(runner: LocalRunner) -> None:
    result = runner.run({"items": _items(True, True, False, True, True), "perBatch": 2, "run": "r"})

    client = runner.client("stepfunctions")
    [map_run] = client.list_map_runs(executionArn=result.execution_arn)["mapRuns"]
    described = client.describe_map_run(mapRunArn=map_run["mapRunArn"])
    items, executions = described["itemCounts"], described["executionCounts"]
    assert (items["total"], items["succeeded"], items["failed"]) == (5, 3, 2)
    assert (executions["total"], executions["succeeded"], executions["failed"]) == (3, 2, 1)


def test_a_batch_closes_at_whichever_limit_it_reaches_first(runner: LocalRunner) -> None:
    small = [{"n": name} for name in "abcd"]  # 9 bytes each
    large = [{"n": name * 17} for name in "XY"]  # 25 bytes each
    items = [*small, *large]

    result = runner.run({"mode": "bytes", "items": items})

    assert result.status == "SUCCEEDED", result.cause
    inputs = [entry["Input"] for entry in _results(runner, result.output)["SUCCEEDED"]]
    # At most 3 items and 60 bytes of {"Items":[...]}: a b c (41 bytes) stop at the item limit
    # although d fits (51); d X (47 bytes) stop at the byte limit, as d X Y would be 73.
    assert [json.loads(text)["Items"] for text in inputs] == [small[:3], [small[3], large[0]], [large[1]]]
    assert [len(text.encode()) for text in inputs] == [41, 47, 37]


def test_items_from_an_item_reader_are_selected_then_batched(runner: LocalRunner) -> None:
    bucket = runner.resource("Results").name
    for name in ("a", "b", "c"):
        runner.client("s3").put_object(Bucket=bucket, Key=f"in/{name}.txt", Body=b"x")

    result = runner.run({"mode": "listing"})

    assert result.status == "SUCCEEDED", result.cause
    inputs = [json.loads(entry["Input"]) for entry in _results(runner, result.output)["SUCCEEDED"]]
    assert inputs == [
        {"Items": [{"key": "in/a.txt", "ok": True}, {"key": "in/b.txt", "ok": True}]},
        {"Items": [{"key": "in/c.txt", "ok": True}]},
    ]


def test_a_path_limit_that_is_not_a_positive_integer_fails_the_map(runner: LocalRunner) -> None:
    result = runner.run({"items": _items(True), "perBatch": 0, "run": "r"})

    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "MaxItemsPerBatch must be a positive integer" in result.cause


def test_the_batcher_is_reported_as_an_adaptation(runner: LocalRunner) -> None:
    [notes] = runner.deployment.adaptations.values()
    assert sum("ItemBatcher: applied by localrun" in note for note in notes) == 4


def test_grouping_counts_every_byte_of_the_child_input() -> None:
    items = [{"k": index} for index in range(10)]  # {"k":0} is 7 bytes
    batch_input = {"run": "r"}
    empty = len(json.dumps(child_input([], batch_input), separators=(",", ":")))

    groups = group(items, max_items=None, max_bytes=empty + 7 * 3 + 2, batch_input=batch_input)

    assert [len(batch) for batch in groups] == [3, 3, 3, 1]
    for batch in groups:
        assert len(json.dumps(child_input(batch, batch_input), separators=(",", ":"))) <= empty + 23


def test_an_item_too_large_for_any_batch_gets_a_batch_of_its_own() -> None:
    big = {"blob": "x" * 100}

    assert group([{"a": 1}, big, {"b": 2}], max_items=10, max_bytes=50) == [[{"a": 1}], [big], [{"b": 2}]]


def test_without_a_byte_limit_a_batch_stays_under_the_child_input_limit() -> None:
    items = [{"text": "y" * 1000} for _ in range(600)]

    groups = group(items, max_items=None)

    assert sum(len(batch) for batch in groups) == 600 and len(groups) > 1
    assert all(
        len(json.dumps(child_input(batch), separators=(",", ":"))) <= MAX_BATCH_BYTES for batch in groups
    )


JSONATA_MAP = {
    "Type": "Map",
    "QueryLanguage": "JSONata",
    "Items": "{% $states.input.items %}",
    "ItemBatcher": {
        "MaxItemsPerBatch": "{% $states.input.perBatch %}",
        "MaxInputBytesPerBatch": "{% $states.input.bytes %}",
        "BatchInput": {"run": "{% $states.input.run %}"},
    },
    "MaxConcurrency": "{% $states.input.concurrency %}",
    "ToleratedFailureCount": "{% $states.input.tolerateCount %}",
    "ToleratedFailurePercentage": "{% $states.input.tolerateShare %}",
    "ItemProcessor": {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
        "StartAt": "FirstOk?",
        "States": {
            "FirstOk?": {
                "Type": "Choice",
                "QueryLanguage": "JSONata",
                "Choices": [{"Condition": "{% $states.input.Items[0].ok = false %}", "Next": "Broken"}],
                "Default": "Count",
            },
            "Count": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": {
                    "size": "{% $count($states.input.Items) %}",
                    "run": "{% $states.input.BatchInput.run %}",
                },
                "End": True,
            },
            "Broken": {"Type": "Fail", "Error": "BatchBroken"},
        },
    },
    "End": True,
}


@pytest.fixture(scope="module")
def jsonata_runner() -> Iterator[LocalRunner]:
    definition = {"StartAt": "Batch", "States": {"Batch": JSONATA_MAP}}
    with LocalRunner(asl_template("ItemBatcherJsonata", definition)) as local:
        yield local


def _jsonata_input(**overrides: Any) -> dict[str, Any]:
    given = {"run": "r1", "perBatch": 2, "bytes": MAX_BATCH_BYTES, "concurrency": 2}
    return {**given, "tolerateCount": 0, "tolerateShare": 0, **overrides}


def test_jsonata_batcher_limits_and_batch_input_are_evaluated(jsonata_runner: LocalRunner) -> None:
    result = jsonata_runner.run(_jsonata_input(items=_items(True, True, True, True, True)))

    assert result.status == "SUCCEEDED", result.cause
    assert result.output == [{"size": 2, "run": "r1"}, {"size": 2, "run": "r1"}, {"size": 1, "run": "r1"}]


def test_jsonata_byte_limit_is_evaluated(jsonata_runner: LocalRunner) -> None:
    items = _items(True, True, True)
    one_item = len(json.dumps(child_input([items[2]], {"run": "r1"}), separators=(",", ":")))

    result = jsonata_runner.run(_jsonata_input(items=items, perBatch=10, bytes=one_item))

    assert result.status == "SUCCEEDED", result.cause
    assert [batch["size"] for batch in result.output] == [1, 1, 1]


def test_jsonata_tolerated_failures_are_evaluated(jsonata_runner: LocalRunner) -> None:
    items = _items(False, True, True, True)  # the first batch of two fails: 2 of 4 items

    strict = jsonata_runner.run(_jsonata_input(items=items))
    by_count = jsonata_runner.run(_jsonata_input(items=items, tolerateCount=2))
    by_share = jsonata_runner.run(_jsonata_input(items=items, tolerateShare=50))

    assert (strict.status, strict.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    assert by_count.status == "SUCCEEDED", by_count.cause
    assert by_share.status == "SUCCEEDED", by_share.cause


def test_a_jsonata_batch_size_that_is_not_a_positive_integer_fails_the_map(
    jsonata_runner: LocalRunner,
) -> None:
    result = jsonata_runner.run(_jsonata_input(items=_items(True), perBatch=0))

    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "MaxItemsPerBatch must be a positive integer" in (result.cause or "")
