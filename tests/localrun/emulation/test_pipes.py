"""The EventBridge Pipe emulation: Pipes' SQS records, the InputTemplate applied per record."""

from __future__ import annotations

import json

import pytest

from localrun.emulation import pipes

PIPE = pipes.SqsToStateMachinePipe(
    queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/uploads",
    queue_arn="arn:aws:sqs:us-east-1:123456789012:uploads",
    state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:m",
    batch_size=10,
    input_template='{"bucket": <$.body.bucket>, "key": <$.body.key>, "id": <$.messageId>}',
)


def _message(body: str) -> dict:
    return {"MessageId": "m-1", "ReceiptHandle": "r-1", "Body": body, "Attributes": {"SentTimestamp": "1"}}


def test_the_template_reaches_into_a_json_body_and_inserts_json_values() -> None:
    body = json.dumps({"bucket": "b", "key": 'documents/a "quoted" name.md'})
    record = PIPE.record(_message(body), "us-east-1")
    assert record == {"bucket": "b", "key": 'documents/a "quoted" name.md', "id": "m-1"}


def test_without_a_template_the_record_is_pipes_sqs_record() -> None:
    record = pipes.SqsToStateMachinePipe(**{**PIPE.__dict__, "input_template": None}).record(
        _message("plain text"), "eu-west-1"
    )
    assert record["body"] == "plain text"
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == (
        "aws:sqs",
        PIPE.queue_arn,
        "eu-west-1",
    )
    assert (record["messageId"], record["receiptHandle"], record["attributes"]) == (
        "m-1",
        "r-1",
        {"SentTimestamp": "1"},
    )


def test_a_missing_field_becomes_null_and_a_template_that_is_not_json_is_refused() -> None:
    assert PIPE.record(_message("not json"), "us-east-1") == {"bucket": None, "key": None, "id": "m-1"}
    broken = pipes.SqsToStateMachinePipe(**{**PIPE.__dict__, "input_template": "key=<$.body.key>"})
    with pytest.raises(pipes.PipeEmulationError, match="did not render to JSON"):
        broken.record(_message("{}"), "us-east-1")
