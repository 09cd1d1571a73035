"""A boto3 session with the credentials of a role a stack deployed in a LocalRunner (moto maps the
session's access key back to the assumed role, so localrun's IAM sees the role's policies)."""

from __future__ import annotations

import boto3

from localrun import LocalRunner


def assumed_session(runner: LocalRunner, role: str, session_name: str) -> boto3.Session:
    """A session as `role` (a construct path such as `Workflow/Approver`), named `session_name`."""
    role_arn = runner.resource(role).arn
    credentials = runner.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=session_name)[
        "Credentials"
    ]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=runner.region,
    )
