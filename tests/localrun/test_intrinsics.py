"""CloudFormation intrinsic functions resolve to the locally provisioned values."""

from __future__ import annotations

import pytest

from localrun.intrinsics import Pseudo, Resolver, TemplateError, references

FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:demo-fn"
PSEUDO = Pseudo(region="eu-west-1", account_id="123456789012", stack_name="Demo")


def resolver(**kwargs: object) -> Resolver:
    refs = {"Table": "demo-table", "Fn": "demo-fn"}
    atts = {("Fn", "Arn"): "arn:aws:lambda:eu-west-1:123456789012:function:demo-fn"}
    return Resolver(
        ref=lambda name: refs[name],
        get_att=lambda name, attribute: atts[(name, attribute)],
        pseudo=PSEUDO,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "Table"}, "demo-table"),
        ({"Ref": "AWS::Region"}, "eu-west-1"),
        ({"Fn::GetAtt": ["Fn", "Arn"]}, "arn:aws:lambda:eu-west-1:123456789012:function:demo-fn"),
        ({"Fn::GetAtt": "Fn.Arn"}, "arn:aws:lambda:eu-west-1:123456789012:function:demo-fn"),
        ({"Fn::Join": ["-", [{"Ref": "Table"}, "x", 1]]}, "demo-table-x-1"),
        ({"Fn::Sub": "arn:${AWS::Partition}:s3:::${Table}/*"}, "arn:aws:s3:::demo-table/*"),
        (
            {"Fn::Sub": ["${A}-${Fn.Arn}", {"A": "a"}]},
            "a-arn:aws:lambda:eu-west-1:123456789012:function:demo-fn",
        ),
        ({"Fn::Sub": "literal ${!NotAVar}"}, "literal ${NotAVar}"),
        ({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}, "b"),
        ({"Fn::Base64": "hi"}, "aGk="),
        ({"k": {"Ref": "AWS::NoValue"}, "j": 1}, {"j": 1}),
        ([1, {"Ref": "AWS::NoValue"}], [1]),
    ],
)
def test_intrinsics(value: object, expected: object) -> None:
    assert resolver().resolve(value) == expected


def test_conditions_and_if() -> None:
    conditions = {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}}
    local = resolver(parameters={"Env": "dev"}, conditions=conditions)

    assert local.resolve({"Fn::If": ["IsProd", "big", "small"]}) == "small"
    assert local.resolve({"Fn::Not": [{"Condition": "IsProd"}]}) is True


def test_find_in_map() -> None:
    local = resolver(mappings={"Sizes": {"dev": {"memory": 128}}})

    assert local.resolve({"Fn::FindInMap": ["Sizes", "dev", "memory"]}) == 128


def test_unsupported_intrinsics_name_themselves() -> None:
    with pytest.raises(TemplateError, match="Fn::ImportValue"):
        resolver().resolve({"Fn::ImportValue": "shared-vpc"})
    with pytest.raises(TemplateError, match="Fn::Cidr"):
        resolver().resolve({"Fn::Cidr": ["10.0.0.0/16", 2, 8]})


def test_references_finds_refs_getatts_and_sub_tokens() -> None:
    value = {
        "a": {"Ref": "Table"},
        "b": {"Fn::GetAtt": ["Fn", "Arn"]},
        "c": {"Fn::Sub": ["${Queue.Arn} ${Local} ${AWS::Region}", {"Local": {"Ref": "Topic"}}]},
    }

    assert references(value) == {"Table", "Fn", "Queue", "Topic"}
