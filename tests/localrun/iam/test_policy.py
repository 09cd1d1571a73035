"""The IAM evaluation logic for a role session calling a resource of its own account."""

from __future__ import annotations

from typing import Any

import pytest

from localrun.iam.policy import UNRESOLVED, PolicyError, Principal, Request, evaluate, parse_statements

ROLE = "arn:aws:iam::123456789012:role/Charge"
PRINCIPAL = Principal(role_arn=ROLE, session_name="charge-fn")
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/Ledger"
BUCKET = "arn:aws:s3:::docs"


def statements(*items: dict[str, Any]) -> list[Any]:
    return parse_statements({"Version": "2012-10-17", "Statement": list(items)}, "test")


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def test_nothing_is_allowed_without_an_allow_and_the_message_is_iams() -> None:
    request = Request("dynamodb:UpdateItem", TABLE)
    decision = evaluate(PRINCIPAL, request, statements(allow("dynamodb:GetItem", TABLE)))
    assert not decision.allowed
    assert decision.message(PRINCIPAL, request) == (
        "User: arn:aws:sts::123456789012:assumed-role/Charge/charge-fn is not authorized to perform: "
        f"dynamodb:UpdateItem on resource: {TABLE} because no identity-based policy allows the "
        "dynamodb:UpdateItem action"
    )


def test_an_allow_on_the_action_and_resource_allows() -> None:
    policy = statements(allow(["dynamodb:GetItem", "dynamodb:UpdateItem"], TABLE))
    assert evaluate(PRINCIPAL, Request("dynamodb:UpdateItem", TABLE), policy).allowed
    assert not evaluate(PRINCIPAL, Request("dynamodb:UpdateItem", TABLE + "2"), policy).allowed


def test_an_explicit_deny_wins_over_any_allow() -> None:
    policy = statements(allow("dynamodb:*"), deny("dynamodb:DeleteItem", TABLE))
    assert evaluate(PRINCIPAL, Request("dynamodb:PutItem", TABLE), policy).allowed
    decision = evaluate(PRINCIPAL, Request("dynamodb:DeleteItem", TABLE), policy)
    assert not decision.allowed
    assert decision.reason == "with an explicit deny in an identity-based policy"


def test_actions_match_case_insensitively_with_wildcards_resources_case_sensitively() -> None:
    policy = statements(allow("DynamoDB:*item", "arn:aws:dynamodb:*:123456789012:table/Led?er"))
    assert evaluate(PRINCIPAL, Request("dynamodb:GetItem", TABLE), policy).allowed
    assert not evaluate(
        PRINCIPAL, Request("dynamodb:GetItem", TABLE.replace("Ledger", "ledger")), policy
    ).allowed
    assert not evaluate(PRINCIPAL, Request("dynamodb:Query", TABLE), policy).allowed


def test_not_action_and_not_resource() -> None:
    policy = statements({"Effect": "Allow", "NotAction": "s3:Delete*", "NotResource": f"{BUCKET}/private/*"})
    assert evaluate(PRINCIPAL, Request("s3:GetObject", f"{BUCKET}/public/a"), policy).allowed
    assert not evaluate(PRINCIPAL, Request("s3:DeleteObject", f"{BUCKET}/public/a"), policy).allowed
    assert not evaluate(PRINCIPAL, Request("s3:GetObject", f"{BUCKET}/private/a"), policy).allowed


def test_a_condition_must_hold_for_the_statement_to_apply() -> None:
    policy = statements(
        allow("s3:ListBucket", BUCKET, Condition={"StringLike": {"s3:prefix": ["documents/*"]}})
    )
    assert evaluate(PRINCIPAL, Request("s3:ListBucket", BUCKET, {"s3:prefix": "documents/x"}), policy).allowed
    assert not evaluate(PRINCIPAL, Request("s3:ListBucket", BUCKET, {"s3:prefix": "runs/x"}), policy).allowed
    assert not evaluate(PRINCIPAL, Request("s3:ListBucket", BUCKET), policy).allowed


def test_an_unresolved_resource_matches_nothing() -> None:
    policy = statements(allow("dynamodb:GetItem", [UNRESOLVED]))
    assert not evaluate(PRINCIPAL, Request("dynamodb:GetItem", TABLE), policy).allowed


def test_a_resource_policy_deny_applies_to_everyone_it_names() -> None:
    identity = statements(allow("s3:GetObject", f"{BUCKET}/*"))
    insecure = statements(
        deny(
            "s3:*",
            [BUCKET, f"{BUCKET}/*"],
            Principal={"AWS": "*"},
            Condition={"Bool": {"aws:SecureTransport": "false"}},
        )
    )
    over_https = Request("s3:GetObject", f"{BUCKET}/a", {"aws:SecureTransport": True})
    over_http = Request("s3:GetObject", f"{BUCKET}/a", {"aws:SecureTransport": False})
    assert evaluate(PRINCIPAL, over_https, identity, insecure).allowed
    decision = evaluate(PRINCIPAL, over_http, identity, insecure)
    assert (decision.allowed, decision.reason) == (False, "with an explicit deny in a resource-based policy")
    account_deny = statements(
        deny("s3:GetObject", f"{BUCKET}/*", Principal={"AWS": "arn:aws:iam::123456789012:root"})
    )
    assert not evaluate(PRINCIPAL, over_https, identity, account_deny).allowed


def test_a_resource_policy_naming_the_role_allows_but_one_naming_the_account_only_delegates() -> None:
    request = Request("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q")
    to_role = statements(allow("sqs:SendMessage", request.resource, Principal={"AWS": ROLE}))
    to_account = statements(
        allow("sqs:SendMessage", request.resource, Principal={"AWS": "arn:aws:iam::123456789012:root"})
    )
    to_service = statements(
        allow("sqs:SendMessage", request.resource, Principal={"Service": "sns.amazonaws.com"})
    )
    assert evaluate(PRINCIPAL, request, [], to_role).allowed
    assert not evaluate(PRINCIPAL, request, [], to_account).allowed
    assert not evaluate(PRINCIPAL, request, [], to_service).allowed


def test_a_kms_key_policy_must_enable_iam_policies_for_the_account() -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/k-1"
    identity = statements(allow("kms:Decrypt", key))
    enables_iam = statements(allow("kms:*", "*", Principal={"AWS": "arn:aws:iam::123456789012:root"}))
    other_only = statements(allow("kms:*", "*", Principal={"AWS": "arn:aws:iam::123456789012:role/Other"}))
    request = Request("kms:Decrypt", key)
    assert evaluate(PRINCIPAL, request, identity, enables_iam, key_policy=True).allowed
    decision = evaluate(PRINCIPAL, request, identity, other_only, key_policy=True)
    assert (decision.allowed, decision.reason) == (
        False,
        "because no resource-based policy allows the kms:Decrypt action",
    )


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Permit", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Get*", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "NotResource": "x"},
    ],
)
def test_a_malformed_statement_is_refused_by_name(statement: dict[str, Any]) -> None:
    with pytest.raises(PolicyError, match="test statement 0"):
        parse_statements({"Statement": [statement]}, "test")
