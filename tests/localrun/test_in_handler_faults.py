"""In-handler faults: the real invocation raises the exception class the handler's code names."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from localrun import Fault, LocalRunner
from localrun.lambda_runtime import HandlerLoadError, Sandbox, _raiser
from localrun.provision import FunctionSpec
from tests.localrun.conftest import ORDER, approve


def test_a_retried_class_raised_in_the_handler_is_retried(kitchen: LocalRunner) -> None:
    fault = Fault(state="PriceLine", error="TransientError", in_handler=True)

    result = kitchen.run(
        {**ORDER, "express": True}, name="raised-retried", faults=[fault], on_task_token=approve
    )

    assert result.status == "SUCCEEDED", result.cause
    assert result.faults_fired == {fault: 1}
    assert result.retries == 1
    failed = [i for i in result.invocations if i.error_type is not None]
    assert [(i.state, i.error_type) for i in failed] == [("PriceLine", "TransientError")]
    assert failed[0].error is not None and "Fault injected by localrun" in failed[0].error


def test_an_unretried_class_fails_the_state_with_its_own_name(kitchen: LocalRunner) -> None:
    fault = Fault(state="Validate", error="InvalidInput", in_handler=True, times=None)

    result = kitchen.run(ORDER, name="raised-caught", faults=[fault])

    assert result.states == ("Validate", "RecordRejection", "Rejected")
    assert result.faults_fired == {fault: 1}


def test_a_name_no_module_defines_is_a_named_error(kitchen: LocalRunner) -> None:
    fault = Fault(state="Summarize", error="NoSuchError", in_handler=True, times=None)

    result = kitchen.run(
        {**ORDER, "express": True}, name="raised-unknown", faults=[fault], on_task_token=approve
    )

    assert result.status == "FAILED"
    assert result.error == "Localrun.UnknownExceptionClass"


def _spec() -> FunctionSpec:
    return FunctionSpec(
        logical_id="Fn",
        construct_path="Stack/Fn/Resource",
        name="fn",
        arn="arn:aws:lambda:us-east-1:123456789012:function:fn",
        handler="pkg.handler.handler",
        runtime="python3.12",
        source_root=Path("."),
        environment={},
        memory_mb=128,
        timeout_seconds=3,
        log_group="/aws/lambda/fn",
    )


def test_a_class_renamed_behind_an_alias_raises_under_its_new_name() -> None:
    errors = types.ModuleType("pkg.errors")
    exec("class NewName(Exception):\n    pass\nOldName = NewName\n", errors.__dict__)
    sandbox = Sandbox(
        loggers=None, modules={"pkg.errors": errors, "pkg.handler": types.ModuleType("pkg.handler")}
    )  # type: ignore[arg-type]

    with pytest.raises(Exception) as raised:
        _raiser(_spec(), sandbox, "OldName")({}, None)

    assert type(raised.value).__name__ == "NewName"


def test_the_handler_module_is_searched_first() -> None:
    handler, errors = types.ModuleType("pkg.handler"), types.ModuleType("pkg.errors")
    exec("class Busy(Exception):\n    pass\n", handler.__dict__)
    exec("class Busy(Exception):\n    pass\n", errors.__dict__)
    sandbox = Sandbox(loggers=None, modules={"pkg.errors": errors, "pkg.handler": handler})  # type: ignore[arg-type]

    with pytest.raises(Exception) as raised:
        _raiser(_spec(), sandbox, "Busy")({}, None)

    assert type(raised.value) is handler.Busy


def test_a_name_that_is_not_an_exception_class_is_refused() -> None:
    module = types.ModuleType("pkg.handler")
    module.__dict__["TABLE"] = "orders"
    sandbox = Sandbox(loggers=None, modules={"pkg.handler": module})  # type: ignore[arg-type]

    with pytest.raises(HandlerLoadError, match="no exception class named 'TABLE'"):
        _raiser(_spec(), sandbox, "TABLE")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ambiguous": True}, "not both"),
        ({"error": "Lambda.ServiceException"}, "names an exception class"),
    ],
)
def test_bad_in_handler_faults_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Fault(**{"state": "A", "error": "Boom", "in_handler": True, **kwargs})  # type: ignore[arg-type]
