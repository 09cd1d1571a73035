"""How the optimized `lambda:invoke` integration names an IAM refusal of its Invoke call.

The optimized integrations report a service error through the AWS SDK for Java that Step
Functions uses: an error code the SDK does not model, such as Lambda's `AccessDeniedException`,
surfaces as the client's base exception, so the task fails with `Lambda.AWSLambdaException`, the
cause keeping IAM's message and `Error Code: AccessDeniedException`; moto named it
`Lambda.AccessDeniedException`, which a Retry/Catch written for AWS would not match. (DynamoDB's
refusals already become `DynamoDB.AmazonDynamoDBException` through `engine/dynamodb_names.py`.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_lambda import (
    StateTaskServiceLambda,
)

from localrun.engine.overrides import replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/iam/test_enforcement.py"

ACCESS_DENIED = "AccessDeniedException"
BASE_EXCEPTIONS = {StateTaskServiceLambda: "Lambda.AWSLambdaException"}


def install() -> None:
    for owner, name in BASE_EXCEPTIONS.items():
        replace(owner, "_error_cause_from_client_error", _renaming(name))


def _renaming(base_name: str) -> Callable[[Any], staticmethod]:  # type: ignore[type-arg]
    def build(original: staticmethod) -> staticmethod:  # type: ignore[type-arg]
        function = original.__func__

        def error_cause(client_error: ClientError) -> tuple[str, str]:
            error, cause = function(client_error)
            if client_error.response.get("Error", {}).get("Code") == ACCESS_DENIED:
                return base_name, cause
            return error, cause

        return staticmethod(error_cause)

    return build
