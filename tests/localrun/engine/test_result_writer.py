"""Distributed Map ResultWriter output: manifest.json plus SUCCEEDED_0.json / FAILED_0.json, as on AWS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from localrun import LocalRunner
from tests.localrun.asl_stacks import asl_template

MAP = {
    "Type": "Map",
    "ItemsPath": "$.items",
    "ItemSelector": {"item.$": "$$.Map.Item.Value", "run.$": "$.run"},
    "ItemProcessor": {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.item.ok", "BooleanEquals": True, "Next": "Done"}],
                "Default": "Broken",
            },
            "Done": {"Type": "Pass", "Parameters": {"id.$": "$.item.id", "done": True}, "End": True},
            "Broken": {"Type": "Fail", "Error": "ItemBroken", "Cause": "item is not ok"},
        },
    },
    "ToleratedFailurePercentage": 100,
    "ResultWriter": {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": {"Ref": "Results"}, "Prefix": "map-results"},
    },
    "ResultPath": "$.map",
    "End": True,
}


@pytest.fixture(scope="module")
def runner() -> Iterator[LocalRunner]:
    template = asl_template(
        "ResultWriterProbe",
        {"StartAt": "Documents", "States": {"Documents": MAP}},
        {"Results": {"Type": "AWS::S3::Bucket"}},
    )
    with LocalRunner(template) as local:
        yield local


def _json(runner: LocalRunner, bucket: str, key: str) -> Any:
    return json.loads(runner.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


def test_map_output_points_at_the_manifest(runner: LocalRunner) -> None:
    items = [{"id": "a", "ok": True}, {"id": "b", "ok": False}]

    result = runner.run({"items": items, "run": "r-1"})

    assert result.status == "SUCCEEDED", result.cause
    output = result.output["map"]
    bucket = runner.resource("Results").name
    map_run_id = output["MapRunArn"].split(":")[-1]
    assert ":mapRun:" in output["MapRunArn"]
    assert output["ResultWriterDetails"] == {
        "Bucket": bucket,
        "Key": f"map-results/{map_run_id}/manifest.json",
    }


def test_manifest_lists_result_files_by_status_with_their_size(runner: LocalRunner) -> None:
    items = [{"id": "a", "ok": True}, {"id": "b", "ok": False}, {"id": "c", "ok": True}]

    result = runner.run({"items": items, "run": "r-2"})

    details = result.output["map"]["ResultWriterDetails"]
    manifest = _json(runner, details["Bucket"], details["Key"])
    prefix = details["Key"].removesuffix("manifest.json")
    assert manifest["DestinationBucket"] == details["Bucket"]
    assert manifest["MapRunArn"] == result.output["map"]["MapRunArn"]
    assert sorted(manifest["ResultFiles"]) == ["FAILED", "PENDING", "SUCCEEDED"]
    assert manifest["ResultFiles"]["PENDING"] == []
    for status in ("SUCCEEDED", "FAILED"):
        [entry] = manifest["ResultFiles"][status]
        assert entry["Key"] == f"{prefix}{status}_0.json"
        body = runner.client("s3").get_object(Bucket=details["Bucket"], Key=entry["Key"])["Body"].read()
        assert entry["Size"] == len(body)


def test_result_files_hold_each_child_execution(runner: LocalRunner) -> None:
    items = [{"id": "a", "ok": True}, {"id": "b", "ok": False}, {"id": "c", "ok": True}]

    result = runner.run({"items": items, "run": "r-3"})

    details = result.output["map"]["ResultWriterDetails"]
    files = _json(runner, details["Bucket"], details["Key"])["ResultFiles"]
    succeeded = _json(runner, details["Bucket"], files["SUCCEEDED"][0]["Key"])
    [failed] = _json(runner, details["Bucket"], files["FAILED"][0]["Key"])
    assert [json.loads(entry["Input"])["item"]["id"] for entry in succeeded] == ["a", "c"]
    first = succeeded[0]
    assert json.loads(first["Input"]) == {"item": {"id": "a", "ok": True}, "run": "r-3"}
    assert json.loads(first["Output"]) == {"id": "a", "done": True}
    assert first["Status"] == "SUCCEEDED"
    assert first["InputDetails"] == {"Included": True}
    assert first["ExecutionArn"].endswith(f":{first['Name']}")
    map_state_machine = result.output["map"]["MapRunArn"].rsplit(":", 1)[0]
    assert first["ExecutionArn"].startswith(map_state_machine.replace(":mapRun:", ":execution:") + ":")
    assert first["StartDate"] <= first["StopDate"]
    assert first["StopDate"].endswith("Z")
    assert json.loads(failed["Input"])["item"]["id"] == "b"
    assert (failed["Status"], failed["Error"], failed["Cause"]) == ("FAILED", "ItemBroken", "item is not ok")
    assert "Output" not in failed
    assert len({entry["Name"] for entry in [*succeeded, failed]}) == 3


def test_no_failed_children_writes_no_failed_file(runner: LocalRunner) -> None:
    result = runner.run({"items": [{"id": "a", "ok": True}], "run": "r-4"})

    details = result.output["map"]["ResultWriterDetails"]
    files = _json(runner, details["Bucket"], details["Key"])["ResultFiles"]
    assert files["FAILED"] == []
    assert len(files["SUCCEEDED"]) == 1


@pytest.mark.parametrize("execution_type", ["STANDARD", "EXPRESS"])
def test_succeeded_children_are_written_whatever_their_type(execution_type: str) -> None:
    """ResultWriter (Map), Developer Guide: "SUCCEEDED_n.json - Contains the consolidated data for
    all successful child workflow executions"; no exception for a child type, and the guide's
    example entries carry the redrive fields of Standard child executions."""
    processor = {
        **MAP["ItemProcessor"],
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": execution_type},
    }
    template = asl_template(
        f"ResultWriter{execution_type.title()}",
        {"StartAt": "Documents", "States": {"Documents": {**MAP, "ItemProcessor": processor}}},
        {"Results": {"Type": "AWS::S3::Bucket"}},
    )
    with LocalRunner(template) as local:
        result = local.run({"items": [{"id": "a", "ok": True}, {"id": "b", "ok": True}], "run": "r-5"})
        details = result.output["map"]["ResultWriterDetails"]
        files = _json(local, details["Bucket"], details["Key"])["ResultFiles"]
        [succeeded] = files["SUCCEEDED"]
        entries = _json(local, details["Bucket"], succeeded["Key"])

    assert result.status == "SUCCEEDED", result.cause
    assert files["FAILED"] == []
    assert [json.loads(entry["Output"])["id"] for entry in entries] == ["a", "b"]
