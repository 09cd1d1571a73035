"""A fault on an optimized DynamoDB task keeps its name (`fixes/dynamodb_named_failures.py`)."""

from __future__ import annotations

from localrun import Fault, LocalRunner
from tests.localrun.asl_stacks import asl_template


def test_a_fault_on_a_dynamodb_task_keeps_its_name_for_retry() -> None:
    table = {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    }
    throttled = "DynamoDB.ProvisionedThroughputExceededException"
    definition = {
        "StartAt": "Put",
        "States": {
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {"TableName": {"Ref": "Items"}, "Item": {"pk": {"S": "a"}}},
                "Retry": [{"ErrorEquals": [throttled], "IntervalSeconds": 1, "MaxAttempts": 2}],
                "End": True,
            }
        },
    }
    with LocalRunner(asl_template("DynamoFault", definition, {"Items": table})) as runner:
        retried = runner.run({}, faults=[Fault(state="Put", error=throttled, times=2)])
        exhausted = runner.run({}, faults=[Fault(state="Put", error=throttled, times=None)])

    assert (retried.status, retried.retries) == ("SUCCEEDED", 2)
    assert (exhausted.status, exhausted.error) == ("FAILED", throttled)
