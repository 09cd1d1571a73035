"""Integrations moto half-wires: Step Functions child executions, aws-sdk, JSONata."""

from __future__ import annotations

from localrun import LocalRunner


def test_start_execution_sync_runs_the_express_child_locally(features: LocalRunner) -> None:
    result = features.run({"name": "bob"}, state_machine="Parent")

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["child"]["status"] == "SUCCEEDED"
    assert result.output["child"]["output"]["greeting"]["greeting"] == "hello"
    (child,) = result.children
    assert child.status == "SUCCEEDED"
    assert child.states == ("Greet", "ChildDone")
    assert [invocation.state for invocation in child.invocations] == ["Greet"]


def test_child_execution_gets_a_generated_name(features: LocalRunner) -> None:
    result = features.run({"name": "ann"}, state_machine="Parent")

    (child,) = result.children
    assert not child.execution_arn.endswith(":None")
    scheduled = result.events("TaskScheduled")[0]["taskScheduledEventDetails"]
    assert scheduled["resource"] == "startExecution.sync:2"


def test_jsonata_outputs_and_assign(features: LocalRunner) -> None:
    result = features.run({"values": [1, 2, 3]}, state_machine="Jsonata")

    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"total": 6, "seen": 3}


def test_aws_sdk_parameters_reach_the_api(kitchen: LocalRunner) -> None:
    from tests.localrun.conftest import ORDER, approve

    result = kitchen.run({**ORDER, "express": True, "orderId": "sdk"}, on_task_token=approve)

    recorded = kitchen.client("dynamodb").get_item(
        TableName=kitchen.resource("Ledger").name, Key={"pk": {"S": "sdk"}}
    )["Item"]
    assert result.status == "SUCCEEDED"
    assert recorded["total"] == {"N": "335"}
