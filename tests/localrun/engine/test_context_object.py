"""The context object's times are ISO-8601 strings, as on AWS, so tasks can store them."""

from __future__ import annotations

import datetime
import re

from localrun import LocalRunner
from tests.localrun.asl_stacks import asl_template

AWS_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

TABLE = {
    "Type": "AWS::DynamoDB::Table",
    "Properties": {
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    },
}

MACHINE = {
    "StartAt": "Stamp",
    "States": {
        "Stamp": {
            "Type": "Pass",
            "Parameters": {"start.$": "$$.Execution.StartTime", "entered.$": "$$.State.EnteredTime"},
            "ResultPath": "$.first",
            "Next": "Sleep",
        },
        "Sleep": {"Type": "Wait", "Seconds": 3600, "Next": "Record"},
        "Record": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {
                "TableName": {"Ref": "Runs"},
                "Item": {
                    "pk": {"S.$": "$$.Execution.Name"},
                    "startedAt": {"S.$": "$$.Execution.StartTime"},
                    "recordedAt": {"S.$": "$$.State.EnteredTime"},
                },
            },
            "ResultPath": None,
            "End": True,
        },
    },
}


def parse(stamp: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_start_and_entered_times_are_aws_strings_a_task_can_store() -> None:
    with LocalRunner(asl_template("ContextTimes", MACHINE, {"Runs": TABLE})) as runner:
        result = runner.run({}, name="stamped")
        item = runner.client("dynamodb").get_item(
            TableName=runner.resource("Runs").name, Key={"pk": {"S": "stamped"}}
        )["Item"]

    assert result.status == "SUCCEEDED", result.cause
    first = result.output["first"]
    assert AWS_TIME.match(first["start"]) and AWS_TIME.match(first["entered"])
    assert item["startedAt"]["S"] == first["start"]
    assert AWS_TIME.match(item["recordedAt"]["S"])
    started = result.history[0]["timestamp"]  # ExecutionStarted
    assert abs((parse(first["start"]) - started).total_seconds()) < 1
    # EnteredTime follows the virtual clock: Record is entered an hour after Stamp.
    waited = (parse(item["recordedAt"]["S"]) - parse(first["entered"])).total_seconds()
    assert 3600 <= waited < 3610
