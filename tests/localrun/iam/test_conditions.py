"""Condition operators as the IAM policy evaluation logic documents them."""

from __future__ import annotations

import pytest

from localrun.iam.conditions import UnsupportedCondition, arn_match, block_matches, glob_match, key_matches


def test_wildcards_match_any_run_and_one_character_and_nothing_else_is_special() -> None:
    assert glob_match("dynamodb:*Item", "dynamodb:UpdateItem")
    assert glob_match("s3:Get?bject", "s3:GetObject")
    assert not glob_match("s3:Get?bject", "s3:GetObjectTagging")
    assert not glob_match("a[bc]", "ab")
    assert glob_match("a[bc]", "a[bc]")
    assert glob_match("S3:getobject", "s3:GetObject", ignore_case=True)
    assert not glob_match("S3:getobject", "s3:GetObject")


def test_arn_wildcards_stay_within_their_part_except_in_the_resource_part() -> None:
    assert arn_match(
        "arn:aws:dynamodb:*:123456789012:table/Orders", "arn:aws:dynamodb:us-east-1:123456789012:table/Orders"
    )
    assert arn_match("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c")
    assert not arn_match(
        "arn:aws:dynamodb:*:1:table/Orders", "arn:aws:dynamodb:us-east-1:123456789012:table/Orders"
    )
    assert arn_match("arn:aws:dynamodb:*:*:*", "arn:aws:dynamodb:us-east-1:123456789012:table/Orders")
    assert not arn_match(
        "arn:aws:dynamodb:us-east-1:123456789012:table/Orders",
        "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/index/ByCustomer",
    )


def test_several_values_of_a_key_are_alternatives() -> None:
    context = {"s3:prefix": "documents/a.txt"}
    assert key_matches("StringLike", "s3:prefix", ["runs/*", "documents/*"], context)
    assert not key_matches("StringLike", "s3:prefix", ["runs/*"], context)


def test_every_operator_and_key_of_a_block_must_hold() -> None:
    block = {"StringEquals": {"aws:PrincipalAccount": "1"}, "Bool": {"aws:SecureTransport": "true"}}
    assert block_matches(block, {"aws:PrincipalAccount": "1", "aws:SecureTransport": True})
    assert not block_matches(block, {"aws:PrincipalAccount": "1", "aws:SecureTransport": False})
    assert not block_matches(block, {"aws:SecureTransport": True})


def test_a_missing_key_fails_positive_operators_and_satisfies_negated_ones_and_if_exists() -> None:
    assert not key_matches("StringEquals", "cloudwatch:namespace", "Stepwise", {})
    assert key_matches("StringNotEquals", "cloudwatch:namespace", "Stepwise", {})
    assert key_matches("ArnNotEquals", "aws:PrincipalArn", "arn:aws:iam::1:role/x", {})
    assert key_matches("StringEqualsIfExists", "cloudwatch:namespace", "Stepwise", {})
    assert not key_matches(
        "StringEqualsIfExists", "cloudwatch:namespace", "Stepwise", {"cloudwatch:namespace": "Other"}
    )


def test_null_tests_presence() -> None:
    tagged = {"aws:RequestTag/stepwise:tenant": "t-1"}
    assert key_matches("Null", "aws:RequestTag/stepwise:tenant", "false", tagged)
    assert not key_matches("Null", "aws:RequestTag/stepwise:tenant", "false", {})
    assert key_matches("Null", "aws:RequestTag/stepwise:tenant", "true", {})


def test_for_all_values_and_for_any_value_over_multivalued_keys() -> None:
    allowed = ["orderId", "executionId"]
    assert key_matches(
        "ForAllValues:StringEquals",
        "kms:EncryptionContextKeys",
        allowed,
        {"kms:EncryptionContextKeys": ["orderId"]},
    )
    assert not key_matches(
        "ForAllValues:StringEquals",
        "kms:EncryptionContextKeys",
        allowed,
        {"kms:EncryptionContextKeys": ["orderId", "other"]},
    )
    assert key_matches("ForAllValues:StringEquals", "kms:EncryptionContextKeys", allowed, {})
    paths = ["o-1/*/ou-a/*"]
    assert key_matches(
        "ForAnyValue:StringLike", "aws:ResourceOrgPaths", paths, {"aws:ResourceOrgPaths": ["o-1/r-1/ou-a/"]}
    )
    assert not key_matches("ForAnyValue:StringLike", "aws:ResourceOrgPaths", paths, {})


def test_condition_keys_are_case_insensitive_values_are_not() -> None:
    assert key_matches("StringEquals", "AWS:SecureTransport", "x", {"aws:securetransport": "x"})
    assert not key_matches(
        "StringEquals", "cloudwatch:namespace", "stepwise", {"cloudwatch:namespace": "Stepwise"}
    )
    assert key_matches(
        "StringEqualsIgnoreCase", "cloudwatch:namespace", "stepwise", {"cloudwatch:namespace": "Stepwise"}
    )


def test_bool_and_numeric() -> None:
    assert key_matches("Bool", "aws:SecureTransport", "false", {"aws:SecureTransport": False})
    assert not key_matches("Bool", "aws:SecureTransport", "false", {"aws:SecureTransport": True})
    assert key_matches("NumericLessThan", "s3:max-keys", "10", {"s3:max-keys": "5"})
    assert not key_matches("NumericLessThan", "s3:max-keys", "10", {"s3:max-keys": "ten"})


def test_an_operator_localrun_does_not_evaluate_is_refused_by_name() -> None:
    with pytest.raises(UnsupportedCondition, match="IpAddress"):
        key_matches("IpAddress", "aws:SourceIp", "10.0.0.0/8", {})
