"""The policies of a template, resolved against its deployment, by role and by resource."""

from __future__ import annotations

from typing import Any

from localrun import LocalRunner
from localrun.iam.policy import UNRESOLVED, Principal, Request, evaluate
from localrun.template import StackTemplate

ASSUME = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


TEMPLATE = {
    "Resources": {
        "Worker": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": ASSUME,
                "Policies": [
                    {
                        "PolicyName": "inline",
                        "PolicyDocument": document(
                            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}
                        ),
                    }
                ],
                "ManagedPolicyArns": [{"Ref": "Shared"}, "arn:aws:iam::aws:policy/ReadOnlyAccess"],
            },
        },
        "Shared": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "PolicyDocument": document({"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"})
            },
        },
        "Table": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
        },
        "Docs": {"Type": "AWS::S3::Bucket"},
        "DocsPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "Docs"},
                "PolicyDocument": document(
                    {
                        "Effect": "Deny",
                        "Principal": {"AWS": "*"},
                        "Action": "s3:*",
                        "Resource": [
                            {"Fn::GetAtt": ["Docs", "Arn"]},
                            {"Fn::Join": ["", [{"Fn::GetAtt": ["Docs", "Arn"]}, "/*"]]},
                        ],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ),
            },
        },
        "WorkerPolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": "default",
                "Roles": [{"Ref": "Worker"}],
                "PolicyDocument": document(
                    {
                        "Effect": "Allow",
                        "Action": "dynamodb:GetItem",
                        "Resource": {"Fn::GetAtt": ["Table", "Arn"]},
                    },
                    {
                        "Effect": "Allow",
                        "Action": "dynamodb:PutItem",
                        "Resource": {"Fn::GetAtt": ["Table", "NoSuchAttribute"]},
                    },
                ),
            },
        },
    }
}


def test_identity_policies_resource_policies_and_what_could_not_be_evaluated() -> None:
    with LocalRunner(StackTemplate(stack_name="IamPrincipals", template=TEMPLATE)) as runner:
        policies = runner.policies
        role = runner.resource("Worker").arn
        table = runner.resource("Table").arn
        bucket = f"arn:aws:s3:::{runner.resource('Docs').name}"
        statements = policies.statements_for(role)

        assert {action for statement in statements for action in statement.actions} == {
            "sqs:SendMessage",
            "sns:Publish",
            "dynamodb:GetItem",
            "dynamodb:PutItem",
        }
        assert any(statement.resources == (UNRESOLVED,) for statement in statements)
        assert len(policies.unresolved) == 1 and "WorkerPolicy statement 1" in policies.unresolved[0]
        assert policies.not_evaluated == [
            "Worker: managed policy 'arn:aws:iam::aws:policy/ReadOnlyAccess' (not in the template)"
        ]

        principal = Principal(role_arn=role, session_name="s")
        assert evaluate(principal, Request("dynamodb:GetItem", table), statements).allowed
        assert not evaluate(principal, Request("dynamodb:PutItem", table), statements).allowed

        resource_policy, key_policy = policies.resource_policy(f"{bucket}/a.txt")
        assert resource_policy is not None and not key_policy
        assert resource_policy[0].effect == "Deny"
