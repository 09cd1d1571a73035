"""Cross-stack references: localrun provisions the stacks a stack depends on first, in the same moto
world, and resolves `Fn::ImportValue` from their exports and `Fn::GetStackOutput` from their
Outputs, as CloudFormation does; a missing or duplicate export is a named error."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest

from localrun import LocalRunner
from localrun.intrinsics import TemplateError
from localrun.template import StackTemplate, local_app, synthesize
from tests.localrun.asl_stacks import ROLE, asl_template
from tests.localrun.conftest import dev_config
from tests.support.cross_stack_app import cross_stack_app

READS = {"weak": "Fn::GetStackOutput", "strong": "Fn::ImportValue"}


@functools.cache
def consumer_template(references: str) -> StackTemplate:
    return synthesize(cross_stack_app(local_app(), dev_config(), references))


@pytest.fixture(scope="module", params=sorted(READS))
def runner(request: pytest.FixtureRequest) -> Iterator[LocalRunner]:
    with LocalRunner(consumer_template(request.param)) as runner:
        yield runner


@pytest.mark.parametrize("references", sorted(READS))
def test_the_consumer_reads_the_producers_outputs(references: str) -> None:
    template = consumer_template(references)
    (producer,) = template.dependencies()

    assert producer.stack_name == "CrossStackProducer"
    assert any(READS[references] in str(resource) for resource in template.resources.values())
    exported = [
        output["Export"]["Name"] for output in producer.template["Outputs"].values() if "Export" in output
    ]
    assert bool(exported) == (references == "strong")


def test_imports_resolve_to_the_producers_resources_in_the_same_world(runner: LocalRunner) -> None:
    table = runner.resource("Status", stack="CrossStackProducer")
    runner.client("dynamodb").put_item(
        TableName=table.name, Item={"pk": {"S": "o-1"}, "status": {"S": "SHIPPED"}}
    )

    result = runner.run({"pk": "o-1"})

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["native"]["Item"]["status"] == {"S": "SHIPPED"}
    assert result.output["lambda"]["Payload"] == {"table": table.name, "status": "SHIPPED"}
    assert table.name in runner.exporters["CrossStackProducer"].outputs.values()
    assert list(runner.policies.denials) == []  # the grants on the producer's table ARN resolved


def test_a_missing_export_fails_provisioning_naming_it() -> None:
    definition = {
        "StartAt": "Done",
        "States": {
            "Done": {"Type": "Pass", "Parameters": {"t": {"Fn::ImportValue": "Rag:Index"}}, "End": True}
        },
    }
    lonely = asl_template("Lonely", definition)

    with pytest.raises(TemplateError, match="No export named Rag:Index found"):
        LocalRunner(lonely).start()


def test_two_stacks_exporting_one_name_are_refused() -> None:
    def exporting(name: str) -> StackTemplate:
        template = {
            "Resources": {"Role": ROLE},
            "Outputs": {"Name": {"Value": {"Ref": "Role"}, "Export": {"Name": "Shared:Role"}}},
        }
        return StackTemplate(stack_name=name, template=template)

    consumer = StackTemplate(
        stack_name="Both",
        template={"Resources": {"Role": ROLE}},
        exporters=(exporting("One"), exporting("Two")),
    )

    with pytest.raises(TemplateError, match="Export with name Shared:Role is already exported"):
        LocalRunner(consumer).start()


def reading(output: str, outputs: dict[str, Any]) -> StackTemplate:
    """A stack whose state machine reads `output` of the stack `Shared` (whose Outputs are `outputs`)."""
    shared = StackTemplate(stack_name="Shared", template={"Resources": {"Role": ROLE}, "Outputs": outputs})
    read = {
        "Fn::GetStackOutput": {"StackName": "Shared", "OutputName": output, "Region": {"Ref": "AWS::Region"}}
    }
    definition = {
        "StartAt": "Read",
        "States": {"Read": {"Type": "Pass", "Result": {"value": read}, "End": True}},
    }
    template = asl_template("Reader", definition)
    return StackTemplate(stack_name="Reader", template=template.template, exporters=(shared,))


OUTPUTS = {
    "RoleName": {"Value": {"Ref": "Role"}},
    "Unknowable": {"Value": {"Fn::GetAtt": ["Role", "NoSuchAttribute"]}},
}


def test_an_output_localrun_cannot_resolve_fails_only_the_stack_that_reads_it() -> None:
    with LocalRunner(reading("RoleName", OUTPUTS)) as runner:
        result = runner.run({})
        role = runner.resource("Role", stack="Shared")

    assert result.output == {"value": role.ref}
    with pytest.raises(
        TemplateError, match=r"Shared.Unknowable: the output's value is not available in localrun"
    ):
        LocalRunner(reading("Unknowable", OUTPUTS)).start()


def test_reading_an_output_the_stack_does_not_have_names_the_outputs_it_has() -> None:
    with pytest.raises(
        TemplateError, match=r"stack Shared has no output Missing .*its outputs: RoleName, Unknowable"
    ):
        LocalRunner(reading("Missing", OUTPUTS)).start()
