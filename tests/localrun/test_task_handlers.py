"""A `shared.task` handler run by localrun runs on the deployed runtime's Python and logs as Powertools
documents: every line of an invocation carries the Lambda context (`function_request_id`,
`cold_start`) and the execution id as correlation id, and keys one invocation appended never reach
the next one of the same (warm) execution environment.

The state machine passes the envelope `stacks.common.tasks.invoke_lambda` builds
(`executionId` from `$$.Execution.Id`, `stateName` from `$$.State.Name`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localrun import LocalRunner, RunResult
from tests.localrun.asl_stacks import ROLE, asl_template
from tests.support.probe import probe_template

HANDLER = """
import sys

from shared.task import logger, task_handler


@task_handler
def handler(event_input, context):
    if "customer" in event_input:
        logger.append_keys(customer=event_input["customer"])
    logger.info("probed")
    return {"python": list(sys.version_info[:2])}
"""


def invoke(state: str, next_state: str | None, task_input: dict[str, Any]) -> dict[str, Any]:
    step: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {
            "FunctionName": {"Fn::GetAtt": ["Probe", "Arn"]},
            "Payload": {
                "input": task_input,
                "executionId.$": "$$.Execution.Id",
                "stateName.$": "$$.State.Name",
            },
        },
        "ResultSelector": {"python.$": "$.Payload.python"},
        "ResultPath": f"$.{state}",
    }
    return {**step, "Next": next_state} if next_state else {**step, "End": True}


MACHINE = {
    "StartAt": "First",
    "States": {
        "First": invoke("First", "Second", {"customer": "c-1"}),
        "Second": invoke("Second", None, {}),
    },
}


def deployed_runtime() -> str:
    """The Runtime of the task functions in a synthesized template (the probe stack's)."""
    functions = probe_template().find_resources("AWS::Lambda::Function")
    runtimes = {
        resource["Properties"]["Runtime"]
        for resource in functions.values()
        if "Stepwise:Source" in resource.get("Metadata", {})
    }
    (runtime,) = runtimes
    return str(runtime)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunResult]:
    root: Path = tmp_path_factory.mktemp("task-handlers")
    (root / "probe_task").mkdir()
    (root / "probe_task" / "__init__.py").write_text("")
    (root / "probe_task" / "handler.py").write_text(HANDLER)
    probe = {
        "Type": "AWS::Lambda::Function",
        "Metadata": {"Stepwise:Source": {"root": str(root)}},
        "Properties": {
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Runtime": deployed_runtime(),
            "Handler": "probe_task.handler.handler",
            "Timeout": 10,
        },
    }
    with LocalRunner(asl_template("TaskHandlers", MACHINE, {"Role": ROLE, "Probe": probe})) as runner:
        result = runner.run({})
        assert result.status == "SUCCEEDED", result.cause
        yield result


def probed_line(logs: str) -> dict[str, Any]:
    (line,) = [
        record
        for record in (json.loads(text) for text in logs.splitlines() if text.startswith("{"))
        if record.get("message") == "probed"
    ]
    return line


def test_handlers_run_on_the_python_of_the_deployed_runtime(run: RunResult) -> None:
    runtime = deployed_runtime()
    assert runtime == f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert run.output["First"]["python"] == [sys.version_info.major, sys.version_info.minor]
    assert f"python{'.'.join(map(str, run.output['Second']['python']))}" == runtime


def test_every_line_carries_the_request_the_cold_start_and_the_execution(run: RunResult) -> None:
    first, second = run.invocations
    for invocation, cold in ((first, True), (second, False)):
        line = probed_line(invocation.logs)
        assert line["function_request_id"] == invocation.request_id
        assert line["cold_start"] is cold
        assert line["correlation_id"] == run.execution_arn
        assert line["function_name"] == invocation.function


def test_keys_appended_by_one_invocation_do_not_reach_the_next(run: RunResult) -> None:
    first, second = run.invocations
    assert probed_line(first.logs)["customer"] == "c-1"
    assert probed_line(first.logs)["state"] == "First"
    assert "customer" not in probed_line(second.logs)
    assert probed_line(second.logs)["state"] == "Second"
