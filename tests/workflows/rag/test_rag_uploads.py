"""Uploads and deletions reach the index in batches: S3 events -> upload queue -> pipe -> one run.

The rule's input transformer and the pipe's record template are read from the synthesized
template; the pipe itself runs on localrun's emulation (localrun/emulation/pipes.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

from localrun import LocalRunner
from localrun.emulation import pipes
from tests.support.worlds.rag import CORPUS, PREFIX, VALID, RagWorld

_VARIABLE = re.compile(r"<([A-Za-z0-9_-]+)>")


def _rule_target(runner: LocalRunner) -> dict[str, Any]:
    rule = runner.deployment.stack.resources[runner.resource("Workflow/UploadEvents").logical_id]
    (target,) = rule["Properties"]["Targets"]
    return target


def _queue_message(runner: LocalRunner, detail_type: str, bucket: str, key: str) -> str:
    """What the rule puts on the upload queue for an S3 event (EventBridge's input transformer)."""
    event = {
        "source": "aws.s3",
        "detail-type": detail_type,
        "detail": {"bucket": {"name": bucket}, "object": {"key": key}},
    }
    transformer = _rule_target(runner)["InputTransformer"]
    values = {}
    for name, path in transformer["InputPathsMap"].items():
        value: Any = event
        for field in path.removeprefix("$.").split("."):
            value = value[field]
        values[name] = value
    return _VARIABLE.sub(lambda match: json.dumps(values[match.group(1)]), transformer["InputTemplate"])


def _queue(runner: LocalRunner, plane: RagWorld, detail_type: str, names: list[str]) -> None:
    sqs = runner.client("sqs")
    url = runner.resource("Workflow/Uploads").attributes["QueueUrl"]
    for name in names:
        sqs.send_message(
            QueueUrl=url, MessageBody=_queue_message(runner, detail_type, plane.sources, PREFIX + name)
        )


def test_uploaded_keys_end_in_one_run_that_ingests_all_of_them(runner, plane):
    names = sorted(VALID)
    for name in names:
        plane.put(name, (CORPUS / name).read_bytes())
    _queue(runner, plane, "Object Created", names)

    [execution] = pipes.drain(runner, "Workflow/UploadPipe")
    result = execution.wait(timeout=120)

    assert result.status == "SUCCEEDED", result.cause
    assert result.state_output("Request")["request"] == [
        {"bucket": plane.sources, "key": PREFIX + name} for name in names
    ]
    summary, lines = plane.report(result)
    assert summary["counts"]["ingested"] == len(names)
    assert sorted(lines) == names
    assert all(plane.document_keys(name) for name in names)
    assert pipes.drain(runner, "Workflow/UploadPipe") == []  # the batch's messages were deleted


def test_deletions_and_uploads_share_a_batch_and_the_run_finds_each_object_present_or_gone(runner, plane):
    plane.put("runbook.md", (CORPUS / "runbook.md").read_bytes())
    _queue(runner, plane, "Object Created", ["runbook.md"])
    [first] = pipes.drain(runner, "Workflow/UploadPipe")
    assert first.wait(timeout=120).status == "SUCCEEDED"
    assert plane.document_keys("runbook.md")

    plane.s3.delete_object(Bucket=plane.sources, Key=PREFIX + "runbook.md")
    plane.put("release-notes.txt", (CORPUS / "release-notes.txt").read_bytes())
    _queue(runner, plane, "Object Deleted", ["runbook.md"])
    _queue(runner, plane, "Object Created", ["release-notes.txt", "release-notes.txt"])

    [second] = pipes.drain(runner, "Workflow/UploadPipe")
    result = second.wait(timeout=120)

    assert result.status == "SUCCEEDED", result.cause
    lines = plane.report(result)[1]
    assert (lines["runbook.md"]["status"], lines["release-notes.txt"]["status"]) == ("removed", "ingested")
    assert plane.document_keys("runbook.md") == []


def test_a_batch_with_a_key_outside_the_source_prefix_is_rejected_as_invalid_input(runner, plane):
    sqs = runner.client("sqs")
    url = runner.resource("Workflow/Uploads").attributes["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"bucket": plane.sources, "key": "elsewhere/x.md"}))

    [execution] = pipes.drain(runner, "Workflow/UploadPipe")
    result = execution.wait(timeout=60)

    assert (result.status, result.error) == ("FAILED", "InvalidRequest")
    assert "objects must be under" in result.cause
