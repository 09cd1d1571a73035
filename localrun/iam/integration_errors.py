"""How a Step Functions optimized integration names an IAM refusal of its own call.

The optimized integrations report the service error through the AWS SDK for Java v1 that Step
Functions uses: an error code the SDK does not model (DynamoDB's and Lambda's
`AccessDeniedException`) surfaces as the client's base exception, so the task fails with
`DynamoDB.AmazonDynamoDBException` / `Lambda.AWSLambdaException`, the cause keeping IAM's message
and `Error Code: AccessDeniedException`. moto named them `DynamoDB.AccessDeniedException` and
`Lambda.AccessDeniedException`, which a Retry/Catch written for AWS would not match.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb import (  # noqa: E501
    StateTaskServiceDynamoDB,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_lambda import (
    StateTaskServiceLambda,
)

from localrun.engine.overrides import replace

ACCESS_DENIED = "AccessDeniedException"
BASE_EXCEPTIONS = {
    StateTaskServiceDynamoDB: "DynamoDB.AmazonDynamoDBException",
    StateTaskServiceLambda: "Lambda.AWSLambdaException",
}


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
