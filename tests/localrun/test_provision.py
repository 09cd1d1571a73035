"""What the template defines exists in moto, under the names its references resolve to."""

from __future__ import annotations

import json

from localrun import LocalRunner


def test_every_resource_is_listed_with_physical_ids(kitchen: LocalRunner) -> None:
    table = kitchen.resource("Ledger")
    bucket = kitchen.resource("Documents")
    queue = kitchen.resource("Approvals")

    assert table.type == "AWS::DynamoDB::GlobalTable" and table.provisioned
    assert kitchen.client("dynamodb").describe_table(TableName=table.name)["Table"]["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"}
    ]
    assert bucket.arn == f"arn:aws:s3:::{bucket.name}"
    assert queue.ref.startswith("https://") and queue.attributes["Arn"].endswith(queue.name)
    assert kitchen.resource("AlarmTopic").arn.startswith("arn:aws:sns:")
    assert not kitchen.resource("Approvals/Policy").provisioned


def test_redrive_policy_points_at_the_dead_letter_queue(kitchen: LocalRunner) -> None:
    queue = kitchen.resource("Approvals")
    attributes = kitchen.client("sqs").get_queue_attributes(
        QueueUrl=queue.ref, AttributeNames=["RedrivePolicy"]
    )["Attributes"]

    dead_letters = kitchen.resource("ApprovalsDeadLetters")
    assert json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"] == dead_letters.arn


def test_functions_carry_their_resolved_environment(kitchen: LocalRunner) -> None:
    counter = kitchen.function("WordCounter")

    assert counter.environment["BUCKET_NAME"] == kitchen.resource("Documents").name
    assert counter.handler == "kitchen.count_words.handler"
    assert counter.source_root is not None and counter.source_root.name == "lambdas"
    configuration = kitchen.client("lambda").get_function(FunctionName=counter.name)["Configuration"]
    assert configuration["Environment"]["Variables"]["BUCKET_NAME"] == counter.environment["BUCKET_NAME"]


def test_state_machine_definition_is_the_synthesized_one(kitchen: LocalRunner) -> None:
    arn = kitchen.state_machine_arn()
    definition = json.loads(
        kitchen.client("stepfunctions").describe_state_machine(stateMachineArn=arn)["definition"]
    )

    validate = definition["States"]["Validate"]
    assert validate["Resource"] == kitchen.function("Validator").arn
    assert validate["Parameters"] == {
        "input.$": "$",
        "executionId.$": "$$.Execution.Id",
        "stateName.$": "$$.State.Name",
    }
    assert definition["States"]["CoolOff"] == {"Type": "Wait", "Seconds": 3600, "Next": "Prepare"}
