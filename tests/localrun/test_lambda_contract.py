"""Lambda's invocation contract as Step Functions sees it.

- Lambda Invoke API: a function that does not exist is `ResourceNotFoundException` (404); a Task
  reports Lambda API errors as `Lambda.<Exception>` (Step Functions Developer Guide, "Handling
  errors in Step Functions workflows").
- Python runtime: a handler's `bytes` result is sent as it is; an unhandled exception becomes
  `{"errorMessage", "errorType", "requestId", "stackTrace"}` with the traceback as formatted by
  `traceback.format_list` and the function's files under `/var/task` (Lambda Developer Guide,
  "AWS Lambda function errors in Python"); Step Functions' cause is that payload as returned.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localrun import LocalRunner
from localrun.template import PROJECT_ROOT
from tests.localrun.asl_stacks import ROLE, asl_template

HANDLERS = """
import json


def _charge(amount):
    if amount > 100:
        raise ValueError(f"amount {amount} is over the limit")
    return amount


def fails(event, context):
    return _charge(event["amount"])


def fails_in_the_standard_library(event, context):
    return json.loads("not json")


def raw_bytes(event, context):
    return b"plain text, not JSON"


def text(event, context):
    return "a JSON string"
"""


def function(handler: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Runtime": "python3.13",
            "Handler": f"contract.handlers.{handler}",
            "Timeout": 10,
        },
    }


def invoke_state(function_name: Any, next_state: str, *, legacy: bool = False) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Task", "Next": next_state, "ResultPath": f"$.{next_state}"}
    if legacy:
        state["Resource"] = function_name
    else:
        state["Resource"] = "arn:aws:states:::lambda:invoke"
        state["Parameters"] = {"FunctionName": function_name, "Payload.$": "$.request"}
        state["ResultSelector"] = {"Payload.$": "$.Payload"}
    state["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": f"$.{next_state}", "Next": next_state}]
    return state


MISSING = "arn:aws:lambda:us-east-1:123456789012:function:does-not-exist"
MACHINE = {
    "StartAt": "Missing",
    "States": {
        "Missing": invoke_state(MISSING, "MissingLegacy"),
        "MissingLegacy": invoke_state(MISSING, "Fails", legacy=True),
        "Fails": invoke_state({"Fn::GetAtt": ["Fails", "Arn"]}, "Bytes"),
        "Bytes": invoke_state({"Fn::GetAtt": ["Bytes", "Arn"]}, "Text"),
        "Text": invoke_state({"Fn::GetAtt": ["Text", "Arn"]}, "StdlibFails"),
        "StdlibFails": invoke_state({"Fn::GetAtt": ["StdlibFails", "Arn"]}, "Done"),
        "Done": {"Type": "Succeed"},
    },
}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("contract-code")
    (root / "contract").mkdir()
    (root / "contract" / "__init__.py").write_text("")
    (root / "contract" / "handlers.py").write_text(HANDLERS)
    resources = {
        "Role": ROLE,
        "Fails": function("fails"),
        "Bytes": function("raw_bytes"),
        "Text": function("text"),
        "StdlibFails": function("fails_in_the_standard_library"),
    }
    for logical_id in ("Fails", "Bytes", "Text", "StdlibFails"):
        resources[logical_id]["Metadata"] = {"Stepwise:Source": {"root": str(root)}}
    with LocalRunner(asl_template("LambdaContract", MACHINE, resources)) as runner:
        result = runner.run({"request": {"amount": 250}})
        assert result.status == "SUCCEEDED", result.cause
        yield result.output


def test_a_function_that_does_not_exist_is_lambda_resource_not_found(outputs: dict[str, Any]) -> None:
    for state in ("MissingLegacy", "Fails"):  # each Catch's ResultPath is named after its Next state
        caught = outputs[state]
        assert caught["Error"] == "Lambda.ResourceNotFoundException"
        assert f"Function not found: {MISSING}" in caught["Cause"]
        assert "Error Code: ResourceNotFoundException" in caught["Cause"]


def test_an_unhandled_error_is_reported_in_the_python_runtime_shape(outputs: dict[str, Any]) -> None:
    caught = outputs["Bytes"]
    cause = json.loads(caught["Cause"])

    assert caught["Error"] == "ValueError"
    assert list(cause) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert cause["errorMessage"] == "amount 250 is over the limit"
    assert caught["Cause"] == json.dumps(cause)  # as the runtime wrote it: ", " and ": " separators
    assert cause["stackTrace"] == [
        '  File "/var/task/contract/handlers.py", line 12, in fails\n    return _charge(event["amount"])\n',
        '  File "/var/task/contract/handlers.py", line 7, in _charge\n'
        '    raise ValueError(f"amount {amount} is over the limit")\n',
    ]


def test_stack_traces_show_sandbox_paths_only(outputs: dict[str, Any]) -> None:
    cause = json.loads(outputs["Done"]["Cause"])
    frames = cause["stackTrace"]

    assert cause["errorType"] == "JSONDecodeError"
    assert frames[0].startswith('  File "/var/task/contract/handlers.py", line 16, in fails_in')
    assert any(frame.startswith('  File "/var/lang/lib/python3.13/json/') for frame in frames[1:])
    assert not [frame for frame in frames if str(PROJECT_ROOT) in frame or str(Path.home()) in frame]
    assert not [frame for frame in frames if "localrun" in frame]


def test_bytes_and_strings_are_passed_through(outputs: dict[str, Any]) -> None:
    assert outputs["Text"] == {"Payload": "plain text, not JSON"}
    assert outputs["StdlibFails"] == {"Payload": "a JSON string"}
