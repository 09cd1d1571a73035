"""Hand-written templates for engine tests: one state machine (ASL as a dict) plus extra resources.

No CDK synthesis, so each test deploys in milliseconds; ASL here may use `Ref`/`Fn::GetAtt` to the
extra resources (the definition is resolved like any template property). The engine tests are
about Step Functions semantics, not grants: the role may do anything (`ENGINE_TEST_POLICY`), so
localrun's IAM enforcement stays on and is exercised by `tests/localrun/iam` instead.
"""

from __future__ import annotations

from typing import Any

from localrun.template import StackTemplate

ROLE = {
    "Type": "AWS::IAM::Role",
    "Properties": {
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "states.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
        "Policies": [
            {
                "PolicyName": "engine-test-fixture",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                },
            }
        ],
    },
}


def asl_template(
    name: str, definition: dict[str, Any], resources: dict[str, Any] | None = None
) -> StackTemplate:
    """A stack `name` with the state machine `Machine` running `definition`."""
    template = {
        "Resources": {
            "Role": ROLE,
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {"RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}, "Definition": definition},
            },
            **(resources or {}),
        }
    }
    return StackTemplate(stack_name=name, template=template)


def sdk_task(resource: str, parameters: dict[str, Any], catch_next: str, result_path: str) -> dict[str, Any]:
    """An aws-sdk Task whose every error is caught into `result_path`."""
    return {
        "Type": "Task",
        "Resource": f"arn:aws:states:::aws-sdk:{resource}",
        "Parameters": parameters,
        "ResultPath": result_path,
        "Next": catch_next,
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": result_path, "Next": catch_next}],
    }
