"""A small workflow on localrun with unsuccessful executions for the redrive tool to find."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from localrun import Fault, LocalRunner
from localrun.clock import calendar
from scripts.redrive.target import Target
from tests.localrun.asl_stacks import asl_template

TABLE = {
    "Type": "AWS::DynamoDB::Table",
    "Properties": {
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    },
}


def charge(then: str) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:updateItem",
        "Parameters": {
            "TableName": {"Ref": "Charges"},
            "Key": {"pk.$": "$.order"},
            "UpdateExpression": "ADD charged :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        },
        "ResultPath": None,
        "Next": then,
        # Only a declined card is caught (and ends in a Fail state); anything else fails the execution.
        "Catch": [{"ErrorEquals": ["Declined"], "ResultPath": "$.failure", "Next": "Refused"}],
    }


MACHINE = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Parameters": {"order": {"S.$": "$.order"}}, "Next": "Charge"},
        "Charge": charge("Done"),
        "Refused": {"Type": "Fail", "Error": "OrderRefused", "Cause": "the card was declined"},
        "Done": {"Type": "Succeed"},
    },
}


@pytest.fixture
def runner() -> Iterator[LocalRunner]:
    with LocalRunner(asl_template("RedriveTool", MACHINE, {"Charges": TABLE})) as local:
        yield local
    calendar.reset()


@pytest.fixture
def target(runner: LocalRunner) -> Target:
    return Target.local(runner)


def charges(runner: LocalRunner) -> dict[str, int]:
    items = runner.client("dynamodb").scan(TableName=runner.resource("Charges").name)["Items"]
    return {item["pk"]["S"]: int(item["charged"]["N"]) for item in items}


def outage(runner: LocalRunner, order: str) -> str:
    """An execution failed by an outage at Charge (not caught): redrivable once it is over."""
    fault = Fault(state="Charge", error="ServiceUnavailable", cause="the payment service is down", times=1)
    result = runner.run({"order": order}, name=order, faults=[fault])
    assert result.status == "FAILED"
    return result.execution_arn


def declined(runner: LocalRunner, order: str) -> str:
    """An execution whose error was caught and ended in the Fail state `Refused`."""
    result = runner.run(
        {"order": order}, name=order, faults=[Fault(state="Charge", error="Declined", times=1)]
    )
    assert result.status == "FAILED" and result.error == "OrderRefused"
    return result.execution_arn
