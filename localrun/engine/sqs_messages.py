"""SQS SendMessage as the SQS API Reference documents it, and its errors as Step Functions names them.

- `MessageBody` is required and "The minimum size is one character" (SendMessage, SQS API
  Reference; likewise each SendMessageBatch entry): an empty or missing body is refused with
  `MissingParameter` ("The request must contain the parameter MessageBody."). moto accepted an
  empty body and crashed on a missing one (`object of type 'NoneType' has no len()`), which the
  interpreter reported as an uncatchable States.Runtime.
- The optimized `sqs:sendMessage` integration reports an error SQS answered as
  `SQS.AmazonSQSException` (the AWS SDK for Java's service exception), with the cause in that
  SDK's shape ("<message> (Service: AmazonSQS; Status Code: 400; Error Code: <code>; Request ID:
  <id>; Proxy: null)"), as the Step Functions console shows it; moto named every service error
  `SQS.SdkClientException`, which Step Functions uses for failures on the client side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError
from moto.sqs.exceptions import MissingParameter
from moto.sqs.models import SQSBackend
from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (
    CustomErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sqs import (
    StateTaskServiceSqs,
)
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

from localrun.engine.overrides import replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/engine/test_service_emulation.py"

SERVICE_ERROR = "SQS.AmazonSQSException"


def install() -> None:
    replace(SQSBackend, "_validate_message", _build_validate_message)
    replace(StateTaskServiceSqs, "_from_error", _build_from_error)


def service_error_cause(error: ClientError) -> str:
    """The cause Step Functions gives an error SQS answered (AWS SDK for Java shape)."""
    details = error.response.get("Error", {})
    metadata = error.response.get("ResponseMetadata", {})
    status = metadata.get("HTTPStatusCode", 400)
    return (
        f"{details.get('Message', '')} (Service: AmazonSQS; Status Code: {status}; "
        f"Error Code: {details.get('Code', '')}; Request ID: {metadata.get('RequestId', '')}; Proxy: null)"
    )


def _build_validate_message(original: Callable[..., None]) -> Callable[..., None]:
    def validate_message(self: SQSBackend, queue: Any, message_body: Any, *args: Any, **kwargs: Any) -> None:
        if not message_body:
            raise MissingParameter("MessageBody")
        return original(self, queue, message_body, *args, **kwargs)

    return validate_message


def _build_from_error(original: Callable[..., FailureEvent]) -> Callable[..., FailureEvent]:
    def from_error(self: StateTaskServiceSqs, env: Environment, ex: Exception) -> FailureEvent:
        if not isinstance(ex, ClientError):
            return original(self, env, ex)
        return FailureEvent(
            env=env,
            error_name=CustomErrorName(SERVICE_ERROR),
            event_type=HistoryEventType.TaskFailed,
            event_details=EventDetails(
                taskFailedEventDetails=TaskFailedEventDetails(
                    error=SERVICE_ERROR,
                    cause=service_error_cause(ex),
                    resource=self._get_sfn_resource(),
                    resourceType=self._get_sfn_resource_type(),
                )
            ),
        )

    return from_error
