"""StartExecution with a name already used, as the Step Functions API Reference describes it.

StartExecution is idempotent for Standard workflows: a call with the same name and input as a
*running* execution succeeds and returns that execution; a different input, or an execution that
has closed, fails with ExecutionAlreadyExists. Nothing new runs either way, and every caller
holding the execution can wait for it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from localrun import LocalExecution, LocalRunner
from tests.localrun.asl_stacks import asl_template

QUEUE = {"Type": "AWS::SQS::Queue", "Properties": {}}
MACHINE = {
    "StartAt": "AwaitAnswer",
    "States": {
        "AwaitAnswer": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": {"Ref": "Queue"}, "MessageBody": {"token.$": "$$.Task.Token"}},
            "End": True,
        }
    },
}
ORDER = {"orderId": "o-1"}


@pytest.fixture(scope="module")
def runner() -> Iterator[LocalRunner]:
    with LocalRunner(asl_template("SameNameStarts", MACHINE, {"Queue": QUEUE})) as local:
        yield local


def started_executions(runner: LocalRunner, name: str) -> int:
    arn = runner.state_machine_arn()
    executions = runner.client("stepfunctions").list_executions(stateMachineArn=arn)["executions"]
    return sum(1 for execution in executions if execution["name"] == name)


def test_same_name_and_input_while_running_returns_the_running_execution(runner: LocalRunner) -> None:
    first = runner.start_execution(ORDER, name="order-o-1")
    token = first.wait_for_task_token("AwaitAnswer")

    again = runner.start_execution(ORDER, name="order-o-1")
    with pytest.raises(ClientError, match="ExecutionAlreadyExists"):
        runner.start_execution({"orderId": "o-2"}, name="order-o-1")

    assert again.execution_arn == first.execution_arn
    assert started_executions(runner, "order-o-1") == 1
    runner.send_task_success(token, {"answer": 42})
    assert first.wait().output == again.wait().output == {"answer": 42}
    with pytest.raises(ClientError, match="ExecutionAlreadyExists"):
        runner.start_execution(ORDER, name="order-o-1")  # closed: the name stays taken


def test_concurrent_starts_of_one_name_run_once_and_every_caller_can_wait(runner: LocalRunner) -> None:
    callers = 6
    barrier = threading.Barrier(callers)
    executions: list[LocalExecution | None] = [None] * callers

    def start(index: int) -> None:
        barrier.wait()
        executions[index] = runner.start_execution(ORDER, name="order-concurrent")

    threads = [threading.Thread(target=start, args=(index,)) for index in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    started = [execution for execution in executions if execution is not None]
    assert len(started) == callers
    assert len({execution.execution_arn for execution in started}) == 1
    assert started_executions(runner, "order-concurrent") == 1
    runner.send_task_success(started[0].wait_for_task_token("AwaitAnswer"), {"answer": "once"})
    results = [execution.wait(timeout=10) for execution in started]
    assert {result.status for result in results} == {"SUCCEEDED"}
    assert len(results[0].history) == len(results[-1].history)
    assert [event["type"] for event in results[0].history].count("ExecutionStarted") == 1


def test_concurrent_starts_with_different_inputs_start_one_and_refuse_the_others(
    runner: LocalRunner,
) -> None:
    callers = 4
    barrier = threading.Barrier(callers)
    outcomes: list[LocalExecution | str] = ["" for _ in range(callers)]

    def start(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = runner.start_execution({"orderId": f"o-{index}"}, name="order-contended")
        except ClientError as error:
            outcomes[index] = error.response["Error"]["Code"]

    threads = [threading.Thread(target=start, args=(index,)) for index in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    [winner] = [outcome for outcome in outcomes if isinstance(outcome, LocalExecution)]
    assert [outcome for outcome in outcomes if isinstance(outcome, str)] == ["ExecutionAlreadyExists"] * 3
    runner.send_task_success(winner.wait_for_task_token("AwaitAnswer"), {})
    assert winner.wait(timeout=10).status == "SUCCEEDED"
