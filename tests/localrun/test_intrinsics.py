"""CloudFormation intrinsic functions resolve to the locally provisioned values."""

from __future__ import annotations

import pytest

from localrun.intrinsics import CrossStack, Pseudo, Resolver, TemplateError, UnresolvedOutput, references

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


def test_imports_resolve_to_the_exports_of_stacks_provisioned_before() -> None:
    exporting = resolver(
        cross_stack=CrossStack(
            exports={"Orders:StatusTable": "orders-status", "Shared:Demo": "named-by-stack"}
        )
    )

    assert exporting.resolve({"Fn::ImportValue": "Orders:StatusTable"}) == "orders-status"
    assert exporting.resolve({"Fn::ImportValue": {"Fn::Sub": "Shared:${AWS::StackName}"}}) == "named-by-stack"


def test_a_missing_export_is_named_with_the_exports_known() -> None:
    with pytest.raises(
        TemplateError,
        match=r"No export named Rag:Index found \(exports of the stacks provisioned before Demo: "
        r"Orders:StatusTable\)",
    ):
        resolver(cross_stack=CrossStack(exports={"Orders:StatusTable": "t"})).resolve(
            {"Fn::ImportValue": "Rag:Index"}
        )
    with pytest.raises(TemplateError, match=r"No export named shared-vpc found .*none: no exporting stack"):
        resolver().resolve({"Fn::ImportValue": "shared-vpc"})


def test_stack_outputs_resolve_by_stack_and_output_name_in_the_same_region() -> None:
    outputs = CrossStack().adding(
        ["Orders", "Orders-2"], {"Table": "orders-t", "Odd": UnresolvedOutput("no Foo")}, {}
    )
    reading = resolver(cross_stack=outputs)

    def read(**spec: object) -> object:
        return reading.resolve({"Fn::GetStackOutput": spec})

    assert read(StackName="Orders", OutputName="Table", Region={"Ref": "AWS::Region"}) == "orders-t"
    assert read(StackName="Orders-2", OutputName="Table") == "orders-t"
    with pytest.raises(TemplateError, match=r"stack Rag does not exist .*before Demo: Orders, Orders-2"):
        read(StackName="Rag", OutputName="Index")
    with pytest.raises(TemplateError, match=r"stack Orders has no output Index .*its outputs: Odd, Table"):
        read(StackName="Orders", OutputName="Index")
    with pytest.raises(TemplateError, match="stack in region us-west-2, but localrun provisions every stack"):
        read(StackName="Orders", OutputName="Table", Region="us-west-2")
    with pytest.raises(
        TemplateError, match=r"Orders.Odd: the output's value is not available in localrun \(no Foo\)"
    ):
        read(StackName="Orders", OutputName="Odd")


def test_unsupported_intrinsics_name_themselves() -> None:
    with pytest.raises(TemplateError, match="Fn::Cidr"):
        resolver().resolve({"Fn::Cidr": ["10.0.0.0/16", 2, 8]})


def test_references_finds_refs_getatts_and_sub_tokens() -> None:
    value = {
        "a": {"Ref": "Table"},
        "b": {"Fn::GetAtt": ["Fn", "Arn"]},
        "c": {"Fn::Sub": ["${Queue.Arn} ${Local} ${AWS::Region}", {"Local": {"Ref": "Topic"}}]},
    }

    assert references(value) == {"Table", "Fn", "Queue", "Topic"}
