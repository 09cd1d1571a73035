"""An invalid definition is refused with `InvalidDefinition` and the diagnostic code AWS names
(CreateStateMachine and ValidateStateMachineDefinition, API Reference); intrinsic functions accept
only the escapes the Developer Guide reserves: \\' \\{ \\} \\\\."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localrun import LocalRunner
from localrun.engine.definition_validation import escapes_are_legal
from tests.localrun.asl_stacks import asl_template

ROLE = "arn:aws:iam::123456789012:role/probe"
VALID = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}


def format_call(literal: str) -> dict[str, Any]:
    """A Pass state whose Parameters call States.Format with the string literal `literal`."""
    state = {"Type": "Pass", "Parameters": {"text.$": f"States.Format('{literal}', $.v)"}, "End": True}
    return {"StartAt": "A", "States": {"A": state}}


@pytest.fixture(scope="module")
def runner() -> Iterator[LocalRunner]:
    with LocalRunner(asl_template("DefinitionValidation", VALID)) as local:
        yield local


def refusal(runner: LocalRunner, definition: str, name: str) -> dict[str, Any]:
    with pytest.raises(ClientError) as refused:
        runner.client("stepfunctions").create_state_machine(name=name, definition=definition, roleArn=ROLE)
    return refused.value.response["Error"]


def test_unknown_state_type_is_a_schema_validation_failure(runner: LocalRunner) -> None:
    definition = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Bogus", "End": True}}})

    error = refusal(runner, definition, "BogusType")

    assert error["Code"] == "InvalidDefinition"
    assert error["Message"].startswith("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: ")


def test_a_document_that_is_not_json_is_an_invalid_json_description(runner: LocalRunner) -> None:
    error = refusal(runner, "not json", "NotJson")

    assert error["Code"] == "InvalidDefinition"
    assert error["Message"].startswith("Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: ")


def test_an_illegal_escape_in_an_intrinsic_function_is_refused(runner: LocalRunner) -> None:
    error = refusal(runner, json.dumps(format_call("a\\q{}")), "IllegalEscape")

    assert error["Code"] == "InvalidDefinition"
    assert "SCHEMA_VALIDATION_FAILED" in error["Message"]
    assert "'text.$'" in error["Message"] and "/States/A/Parameters" in error["Message"]


def test_an_update_with_an_invalid_definition_is_refused(runner: LocalRunner) -> None:
    sfn = runner.client("stepfunctions")
    arn = sfn.create_state_machine(name="Updated", definition=json.dumps(VALID), roleArn=ROLE)[
        "stateMachineArn"
    ]

    with pytest.raises(ClientError) as refused:
        sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(format_call("\\x")))

    assert refused.value.response["Error"]["Code"] == "InvalidDefinition"


def test_reserved_characters_escaped_are_accepted(runner: LocalRunner) -> None:
    definition = json.dumps(format_call("\\{\\} \\' \\\\ {}"))

    created = runner.client("stepfunctions").create_state_machine(
        name="Escapes", definition=definition, roleArn=ROLE
    )

    assert created["stateMachineArn"].endswith(":Escapes")


@pytest.mark.parametrize(
    ("call", "legal"),
    [
        ("States.Format('a\\{b\\}', $.x)", True),
        ("States.Format('it\\'s', $.x)", True),
        ("States.Format('back\\\\slash', $.x)", True),
        ("States.Format('bad\\n', $.x)", False),
        ("States.Format('trailing\\", False),
        ("States.JsonToString($.a\\b)", True),
    ],
)
def test_escape_rule(call: str, legal: bool) -> None:
    assert escapes_are_legal(call) is legal
