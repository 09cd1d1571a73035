"""Mermaid diagrams from synthesized definitions, and the generated sections of docs/ and README.md."""

from __future__ import annotations

import pytest

from localrun.diagram import END, START, current_section, mermaid, replace_section
from localrun.graph import StateGraph, build_graph, graphs_of, plain_definition
from localrun.template import synthesize
from scripts import diagrams
from tests.support.synth import app_stacks

DEFINITION = {
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Next": "Route",
            "Catch": [{"ErrorEquals": ["PaymentDeclined", "States.Timeout"], "Next": "Refund"}],
        },
        "Route": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.express", "BooleanEquals": True, "Next": "Ship"}],
            "Default": "Done",
        },
        "Ship": {
            "Type": "Map",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED"},
                "StartAt": "Pack",
                "States": {"Pack": {"Type": "Pass", "End": True}},
            },
            "Next": "Done",
        },
        "Refund": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Declined"},
        "Declined": {"Type": "Fail", "Error": "PaymentDeclined"},
        "Done": {"Type": "Succeed"},
    },
}


def test_a_diagram_has_every_state_nesting_and_labelled_catch_edges() -> None:
    text = mermaid(build_graph("Checkout", DEFINITION))

    assert text.startswith("flowchart TD\n")
    for name in ("Charge", "Route", "Pack", "Refund", "Declined", "Done"):
        assert f'"{name}"' in text
    assert 'subgraph s2["Ship (Distributed Map)"]' in text
    assert 's0 -.->|"PaymentDeclined, States.Timeout"| s4' in text
    assert 's1 -->|"$.express == true"| s2' in text
    assert 's1 -->|"otherwise"| s6' in text
    assert "class s5 fail" in text and "class s6 succeed" in text


def test_a_synthesized_definition_is_read_with_its_tokens_stood_in_for() -> None:
    resource = {
        "Type": "AWS::StepFunctions::StateMachine",
        "Properties": {
            "DefinitionString": {
                "Fn::Join": [
                    "",
                    [
                        '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"',
                        {"Ref": "F"},
                        '","End":true}}}',
                    ],
                ]
            }
        },
    }

    definition = plain_definition(resource)

    assert definition["States"]["A"]["End"] is True


def test_labels_cannot_break_the_mermaid_syntax() -> None:
    definition = {"StartAt": 'Say "hi" | <b>', "States": {'Say "hi" | <b>': {"Type": "Succeed"}}}

    text = mermaid(build_graph("Odd", definition))

    assert '"Say #quot;hi#quot; #124; #lt;b#gt;"' in text


def test_only_the_section_between_the_markers_is_replaced() -> None:
    text = f"intro\n{START}\nold\n{END}\noutro\n"
    assert replace_section(text, "new\n") == f"intro\n{START}\nnew\n{END}\noutro\n"
    assert current_section(replace_section(text, "new\n")) == "new\n"
    with pytest.raises(ValueError, match="exactly one"):
        replace_section("no markers\n", "new\n")


def _dev_graphs(workflow: str) -> list[StateGraph]:
    return graphs_of(synthesize(app_stacks("dev")[workflow]))


def test_the_generated_diagrams_of_docs_and_readme_are_up_to_date() -> None:
    sections = diagrams.expected_sections(_dev_graphs)

    assert {path.name for path in sections} == {
        "README.md",
        "agent.md",
        "orders.md",
        "rag.md",
        "tenants.md",
        "cv.md",
    }
    stale = [str(path) for path in diagrams.stale_files(sections)]
    assert not stale, f"stale diagrams in {stale}: run `python -m scripts.diagrams --write`"


def test_every_state_of_every_machine_is_in_its_workflow_doc() -> None:
    for workflow in ("orders", "rag", "tenants", "cv"):
        doc = diagrams.doc_path(workflow).read_text()
        for graph in _dev_graphs(workflow):
            for node in graph.nodes():
                assert f'"{node.name}"' in doc or f'"{node.caption}"' in doc, (workflow, node.key)
