"""EMULATION of an EventBridge Pipe from an SQS queue to a Step Functions state machine (local runs only).

localrun provisions no `AWS::Pipes::Pipe`; `drain` does what the pipe's poller does, on demand and
once: it receives the queued messages in batches of the source's `BatchSize` (the batching window is
not waited for: what is queued now forms the batches), turns each message into Pipes' SQS record,
applies the target's `InputTemplate` to each record separately (as Pipes does in a batch, parsing a
JSON message body so `<$.body.field>` reaches into it), starts one execution per batch with the JSON
array of records (`FIRE_AND_FORGET`), and deletes a batch's messages once its StartExecution
succeeded. Only unquoted `<$.a.b>` placeholders (each replaced by the JSON value found; a path
that is not there renders `null` here, which the run input validation then rejects) and templates
that render to JSON are supported; anything else raises PipeEmulationError.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from localrun.runner import LocalExecution, LocalRunner

_PLACEHOLDER = re.compile(r"<(\$(?:\.[A-Za-z0-9_-]+)*)>")
SQS_RECEIVE_LIMIT = 10  # messages one ReceiveMessage call returns at most


class PipeEmulationError(ValueError):
    """The pipe uses a source, target or template form this emulation does not cover."""


@dataclass(frozen=True)
class SqsToStateMachinePipe:
    queue_url: str
    queue_arn: str
    state_machine_arn: str
    batch_size: int
    input_template: str | None

    def record(self, message: Mapping[str, Any], region: str) -> dict[str, Any]:
        """The message as Pipes passes an SQS record, shaped by the target's InputTemplate."""
        body = message["Body"]
        record = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": body,
            "attributes": message.get("Attributes", {}),
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": region,
        }
        if self.input_template is None:
            return record
        try:
            parsed = {**record, "body": json.loads(body)}
        except ValueError:
            parsed = record
        rendered = _PLACEHOLDER.sub(
            lambda match: json.dumps(_at(parsed, match.group(1))), self.input_template
        )
        try:
            shaped: dict[str, Any] = json.loads(rendered)
        except ValueError as error:
            raise PipeEmulationError(f"InputTemplate did not render to JSON: {rendered[:200]!r}") from error
        return shaped


def _at(document: Any, path: str) -> Any:
    for field in path.split(".")[1:]:
        document = document.get(field) if isinstance(document, dict) else None
    return document


def pipe(runner: LocalRunner, name: str) -> SqsToStateMachinePipe:
    """The pipe `name` (logical id or construct path) of the runner's stack."""
    logical_id = runner.resource(name).logical_id
    resource = runner.deployment.stack.resources[logical_id]
    if resource["Type"] != "AWS::Pipes::Pipe":
        raise PipeEmulationError(f"{name} is a {resource['Type']}, not an AWS::Pipes::Pipe")
    properties = resource["Properties"]
    source, target = properties["Source"], properties["Target"]
    if not (
        isinstance(source, dict) and "Fn::GetAtt" in source and isinstance(target, dict) and "Ref" in target
    ):
        raise PipeEmulationError("only a pipe from this stack's SQS queue to its state machine is emulated")
    queue = runner.deployment.resources[source["Fn::GetAtt"][0]]
    target_parameters = properties.get("TargetParameters", {})
    invocation = target_parameters.get("StepFunctionStateMachineParameters", {}).get("InvocationType")
    if invocation != "FIRE_AND_FORGET":
        raise PipeEmulationError("only FIRE_AND_FORGET (Standard workflow) targets are emulated")
    sqs_parameters = properties.get("SourceParameters", {}).get("SqsQueueParameters", {})
    return SqsToStateMachinePipe(
        queue_url=queue.attributes["QueueUrl"],
        queue_arn=queue.attributes["Arn"],
        state_machine_arn=runner.deployment.state_machines[target["Ref"]],
        batch_size=int(sqs_parameters.get("BatchSize", 10)),
        input_template=target_parameters.get("InputTemplate"),
    )


def drain(runner: LocalRunner, name: str) -> list[LocalExecution]:
    """Start one execution per batch of what the pipe's queue holds now; return them, started."""
    spec = pipe(runner, name)
    sqs = runner.client("sqs")
    started = []
    while True:
        messages: list[dict[str, Any]] = []
        while len(messages) < spec.batch_size:
            received = sqs.receive_message(
                QueueUrl=spec.queue_url,
                MaxNumberOfMessages=min(SQS_RECEIVE_LIMIT, spec.batch_size - len(messages)),
                AttributeNames=["All"],
            ).get("Messages", [])
            if not received:
                break
            messages.extend(received)
        if not messages:
            return started
        batch = [spec.record(message, runner.region) for message in messages]
        started.append(runner.start_execution(batch, state_machine=spec.state_machine_arn))
        for message in messages:
            sqs.delete_message(QueueUrl=spec.queue_url, ReceiptHandle=message["ReceiptHandle"])
