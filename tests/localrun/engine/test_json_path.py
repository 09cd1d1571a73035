"""JSONPath results shaped as on AWS (Jayway): indefinite paths always yield arrays."""

from __future__ import annotations

from typing import Any

import pytest
from moto.stepfunctions.parser.asl.utils.json_path import NoSuchJsonPathError

from localrun import LocalRunner
from localrun.engine.json_path import extract_json
from tests.localrun.asl_stacks import asl_template

ONE = {"single": [{"x": 1}], "items": [{"x": 1}, {"x": 2}, {"x": 3}], "a": {"b": [{"c": "deep"}]}}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$[*]", [{"x": 1}]),  # over ONE["single"] below
        ("$[*].x", [1]),
        ("$[?(@.x == 1)].x", [1]),
        ("$[?(@.x == 99)]", []),
        ("$[?(@.x == 99)].x", []),
        ("$[0].x", 1),
        ("$[0]", {"x": 1}),
        ("$[-1].x", 1),
        ("$[0:1]", [{"x": 1}]),
        ("$[*].missing", []),
    ],
)
def test_paths_over_a_one_element_array(path: str, expected: Any) -> None:
    assert extract_json(path, ONE["single"]) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.items[?(@.x > 1)].x", [2, 3]),
        ("$.items[0,2].x", [1, 3]),
        ("$..c", ["deep"]),
        ("$.a.b[0].c", "deep"),
        ("$['a']['b'][0]", {"c": "deep"}),
        ("$.a.*", [[{"c": "deep"}]]),
        ("$.items[*].missing", []),
        ("$.items[7][*]", []),
    ],
)
def test_definite_paths_yield_a_value_indefinite_ones_an_array(path: str, expected: Any) -> None:
    assert extract_json(path, ONE) == expected


@pytest.mark.parametrize("path", ["$.nothing", "$.items[7]", "$.a.b[0].missing"])
def test_a_definite_path_to_nothing_fails(path: str) -> None:
    with pytest.raises(NoSuchJsonPathError):
        extract_json(path, ONE)


@pytest.mark.parametrize("path", ["$.nothing[*]", "$.nothing[0:2]", "$.a.b.c[?(@.x)]", "$.nothing.*.x"])
def test_an_indefinite_path_over_a_missing_property_is_empty(path: str) -> None:
    assert extract_json(path, ONE) == []


MACHINE = {
    "StartAt": "Shape",
    "States": {
        "Shape": {
            "Type": "Pass",
            "Parameters": {
                "xs.$": "$.single[*].x",
                "unmatched.$": "$.items[?(@.x == 99)]",
                "big.$": "$.items[?(@.x > 1)].x",
                "first.$": "$.items[0].x",
                "count.$": "States.ArrayLength($.single[*].x)",
            },
            "Next": "Check",
        },
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.first", "NumericEquals": 1, "Next": "Done"}],
            "Default": "Wrong",
        },
        "Wrong": {"Type": "Fail", "Error": "Wrong"},
        "Done": {"Type": "Succeed"},
    },
}


def test_payload_templates_and_intrinsics_see_aws_shapes() -> None:
    with LocalRunner(asl_template("JsonPaths", MACHINE)) as runner:
        result = runner.run(ONE)

    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"xs": [1], "unmatched": [], "big": [2, 3], "first": 1, "count": 1}


MISSING = {
    "StartAt": "Shape",
    "States": {
        "Shape": {
            "Type": "Pass",
            "Parameters": {
                "all.$": "$.items[*]",
                "some.$": "$.items[1:3]",
                "groups": [{"members": [{"id": 1}]}, {"name": "no members"}],
            },
            "Next": "Each",
        },
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.groups",
            "ItemSelector": {"ids.$": "$$.Map.Item.Value.members[*].id"},
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Keep",
                "States": {"Keep": {"Type": "Pass", "End": True}},
            },
            "ResultPath": "$.selected",
            "End": True,
        },
    },
}


def test_a_wildcard_or_slice_over_a_missing_property_is_an_empty_list() -> None:
    """On AWS `$.items[*]` over an input without `items` selects nothing: `[]`, not States.Runtime."""
    with LocalRunner(asl_template("JsonPathMissing", MISSING)) as runner:
        result = runner.run({"other": 1})

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["all"] == [] and result.output["some"] == []
    assert result.output["selected"] == [{"ids": [1]}, {"ids": []}]
