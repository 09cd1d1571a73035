"""IAM review: every Allow on `Resource: "*"` is an action that cannot be scoped to a resource."""

from __future__ import annotations

import pytest

from tests.quality.allowlists import WILDCARD_RESOURCE_ACTIONS, WILDCARD_RESOURCE_CONDITIONS
from tests.quality.iam import disallowed, explain, resource_types, wildcard_statements
from tests.quality.targets import Target, targets

TARGETS = targets()


@pytest.mark.parametrize("target", TARGETS, ids=[target.label for target in TARGETS])
def test_wildcard_resources_only_for_unscopable_actions(target: Target):
    problems = [
        f"{statement}\n    not allowed on every resource: {'; '.join(map(explain, bad))}"
        for statement in wildcard_statements(target.template)
        if (bad := disallowed(statement, WILDCARD_RESOURCE_ACTIONS, WILDCARD_RESOURCE_CONDITIONS))
    ]
    assert not problems, f"{target.label}:\n" + "\n".join(problems)


def test_wildcard_inventory_and_allow_list_is_minimal():
    """Lists every wildcard statement (run with -rP) and fails on allow-list entries nobody uses."""
    used: set[str] = set()
    lines = []
    for target in TARGETS:
        for statement in wildcard_statements(target.template):
            lines.append(f"{target.label} {statement}")
            used.update(statement.actions)
    print(f"{len(lines)} statements with a wildcard resource across {len(TARGETS)} templates:")
    print("\n".join(lines))
    unused = sorted(set(WILDCARD_RESOURCE_ACTIONS) - used)
    assert not unused, f"allow-listed but never used, remove: {unused}"
    for action, reason in WILDCARD_RESOURCE_ACTIONS.items():
        assert ":" in action and "*" not in action, f"{action}: name one exact action"
        assert len(reason) > 30, f"{action} needs a real reason"


def test_allow_listed_actions_really_have_no_resource_types():
    for action in WILDCARD_RESOURCE_ACTIONS:
        types = resource_types(action)
        assert types is not None, f"{action} is not an IAM action"
        if action not in WILDCARD_RESOURCE_CONDITIONS:
            assert types == [], f"{action} can be scoped to {types}: scope it instead of allow-listing it"


def test_review_flags_managed_policies_attached_by_arn_but_not_local_ones():
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    template = {
        "Resources": {
            "Local": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": []}}},
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"ManagedPolicyArns": [admin, {"Ref": "Local"}]},
            },
        }
    }
    assert _problems(template) == [f'managed policy "{admin}"']


def test_review_explains_how_to_scope():
    assert (
        explain("organizations:ListParents")
        == "organizations:ListParents (scopable to: account, organizationalunit)"
    )
    assert explain("xray:PutTraceSegments") == "xray:PutTraceSegments (has no resource type)"


def _template(resource_type: str, statement: dict, key: str = "PolicyDocument") -> dict:
    document = {"Version": "2012-10-17", "Statement": [statement]}
    properties = (
        {"Policies": [{"PolicyName": "p", "PolicyDocument": document}]}
        if key == "Policies"
        else {key: document}
    )
    return {"Resources": {"Thing": {"Type": resource_type, "Properties": properties}}}


def _problems(template: dict) -> list[str]:
    return [
        a
        for s in wildcard_statements(template)
        for a in disallowed(s, WILDCARD_RESOURCE_ACTIONS, WILDCARD_RESOURCE_CONDITIONS)
    ]


@pytest.mark.parametrize(
    ("resource_type", "key", "statement", "expected"),
    [
        (
            "AWS::IAM::Policy",
            "PolicyDocument",
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            ["s3:GetObject"],
        ),
        (
            "AWS::IAM::Role",
            "Policies",
            {"Effect": "Allow", "Action": ["xray:*"], "Resource": ["*"]},
            ["xray:*"],
        ),
        (
            "AWS::IAM::ManagedPolicy",
            "PolicyDocument",
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:x"},
            ["NOT iam:*"],
        ),
        (
            "AWS::IAM::Policy",
            "PolicyDocument",
            {"Effect": "Allow", "Action": "sqs:SendMessage", "NotResource": "arn:x"},
            ["sqs:SendMessage"],
        ),
        (
            "AWS::S3::BucketPolicy",
            "PolicyDocument",
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
            ["s3:GetObject"],
        ),
        (
            "AWS::IAM::Policy",
            "PolicyDocument",
            {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "dynamodb:PutItem"], "Resource": "*"},
            ["dynamodb:PutItem"],
        ),
        (
            "AWS::IAM::Policy",
            "PolicyDocument",
            {"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"},
            ["cloudwatch:PutMetricData (without condition cloudwatch:namespace)"],
        ),
    ],
)
def test_review_flags_scopable_actions_on_every_resource(resource_type, key, statement, expected):
    assert _problems(_template(resource_type, statement, key)) == expected


@pytest.mark.parametrize(
    ("resource_type", "key", "statement"),
    [
        (
            "AWS::IAM::Policy",
            "PolicyDocument",
            {"Effect": "Allow", "Action": "xray:PutTraceSegments", "Resource": "*"},
        ),
        ("AWS::IAM::Policy", "PolicyDocument", {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}),
        (
            "AWS::IAM::Policy",
            "PolicyDocument",
            {
                "Effect": "Allow",
                "Action": "cloudwatch:PutMetricData",
                "Resource": "*",
                "Condition": {"StringEquals": {"cloudwatch:namespace": "Stepwise"}},
            },
        ),
        (
            "AWS::IAM::Policy",
            "PolicyDocument",
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
        ),
        (
            "AWS::KMS::Key",
            "KeyPolicy",
            {"Effect": "Allow", "Principal": {"AWS": "arn:root"}, "Action": "kms:*", "Resource": "*"},
        ),
    ],
)
def test_review_accepts_unscopable_denies_scoped_and_key_policies(resource_type, key, statement):
    assert _problems(_template(resource_type, statement, key)) == []
