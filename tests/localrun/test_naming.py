"""Physical names look like CloudFormation's and are stable across runs."""

from __future__ import annotations

from localrun.naming import physical_name


def test_names_are_stable_and_shaped_like_cloudformation() -> None:
    name = physical_name("Stepwise-dev-Orders", "OrdersTable1234", "AWS::DynamoDB::Table")

    assert name == physical_name("Stepwise-dev-Orders", "OrdersTable1234", "AWS::DynamoDB::Table")
    assert name.startswith("Stepwise-dev-Orders-OrdersTable1234-")


def test_service_limits_and_casing() -> None:
    bucket = physical_name("Stepwise-dev-" + "X" * 80, "DocumentsBucket", "AWS::S3::Bucket")
    function = physical_name("Stepwise-dev-" + "X" * 80, "Fn", "AWS::Lambda::Function")
    queue = physical_name("S", "Jobs", "AWS::SQS::Queue", fifo=True)
    machine = physical_name("Stepwise-dev-Orders", "Workflow", "AWS::StepFunctions::StateMachine")

    assert len(bucket) <= 63 and bucket == bucket.lower()
    assert len(function) <= 64
    assert queue.endswith(".fifo")
    assert machine.startswith("Workflow-")
