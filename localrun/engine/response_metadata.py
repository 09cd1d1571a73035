"""Optimized integration results carry the SDK's response metadata, as on AWS.

The Step Functions Developer Guide's example outputs of the optimized integrations show the AWS
SDK for Java's metadata beside the API's own members: the Lambda invoke example is
`{"ExecutedVersion", "Payload", "SdkHttpMetadata": {"AllHttpHeaders", "HttpHeaders",
"HttpStatusCode"}, "SdkResponseMetadata": {"RequestId"}, "StatusCode"}`, where `AllHttpHeaders`
maps each header to the list of its values and `HttpHeaders` to its (last) value. localrun adds
both to the results of `lambda:invoke`, the DynamoDB `getItem`/`putItem`/`updateItem`/
`deleteItem`, `states:startExecution` and `sqs:sendMessage` integrations; moto dropped them.
`aws-sdk:*` results carry no such fields on AWS and get none here.

The exact header set of each service's answer is not documented: localrun sends a plausible
subset, the headers of the guide's example that every service sends (`Connection`,
`Content-Type`, `Date`, `x-amzn-RequestId`), Lambda's own (`X-Amz-Executed-Version`,
`x-amzn-Remapped-Content-Length`, as in the example) and DynamoDB's checksum (`x-amz-crc32`, which
the DynamoDB SDKs verify). `Content-Length` and `X-Amzn-Trace-Id` are left out (the local services
send no length, and X-Ray is not emulated). The request id, status code and content type are the
local service's answer; `Date` is the simulated time of the call.
"""

from __future__ import annotations

import datetime
import email.utils
import threading
from collections.abc import Callable
from typing import Any

from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_dynamodb,
    state_task_service_lambda,
    state_task_service_sfn,
    state_task_service_sqs,
)
from moto.stepfunctions.parser.asl.eval.environment import Environment

from localrun.engine.overrides import replace
from localrun.engine.timekeeping import clock_of

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/engine/test_response_metadata.py"

HTTP_METADATA = "SdkHttpMetadata"
RESPONSE_METADATA = "SdkResponseMetadata"
_HANDLER_ID = "localrun-sdk-response-metadata"
_COMMON_HEADERS = {
    "connection": "Connection",
    "content-type": "Content-Type",
    "date": "Date",
    "x-amzn-requestid": "x-amzn-RequestId",
}
_SERVICE_HEADERS = {
    "dynamodb": {"x-amz-crc32": "x-amz-crc32"},
    "lambda": {
        "x-amz-executed-version": "X-Amz-Executed-Version",
        "x-amzn-remapped-content-length": "x-amzn-Remapped-Content-Length",
    },
}
StateTaskServiceLambda = state_task_service_lambda.StateTaskServiceLambda
# Each integration's class, and the moto module whose `boto_client_for` makes its client.
_CLIENT_MODULES: dict[type, Any] = {
    state_task_service_dynamodb.StateTaskServiceDynamoDB: state_task_service_dynamodb,
    state_task_service_sfn.StateTaskServiceSfn: state_task_service_sfn,
    state_task_service_sqs.StateTaskServiceSqs: state_task_service_sqs,
    StateTaskServiceLambda: lambda_eval_utils,
}
_last_call = threading.local()


def install() -> None:
    for state_class in _CLIENT_MODULES:
        replace(state_class, "_eval_service_task", _build_eval_service_task)


def sdk_metadata(
    response_metadata: dict[str, Any],
    *,
    service: str,
    date: datetime.datetime | None = None,
    executed_version: str | None = None,
) -> dict[str, Any]:
    """`SdkHttpMetadata` and `SdkResponseMetadata` for a botocore `ResponseMetadata` of `service`."""
    request_id = str(response_metadata.get("RequestId", ""))
    received = {
        str(key).lower(): str(value) for key, value in response_metadata.get("HTTPHeaders", {}).items()
    }
    received.setdefault("connection", "keep-alive")
    received["x-amzn-requestid"] = request_id
    if date is not None:
        received["date"] = email.utils.format_datetime(date.astimezone(datetime.UTC), usegmt=True)
    if service == "lambda":
        received.setdefault("x-amzn-remapped-content-length", "0")
        if executed_version is not None:
            received.setdefault("x-amz-executed-version", executed_version)
    names = {**_COMMON_HEADERS, **_SERVICE_HEADERS.get(service, {})}
    headers = {names[key]: value for key, value in sorted(received.items()) if key in names}
    return {
        HTTP_METADATA: {
            "AllHttpHeaders": {name: [value] for name, value in headers.items()},
            "HttpHeaders": headers,
            "HttpStatusCode": int(response_metadata.get("HTTPStatusCode", 200)),
        },
        RESPONSE_METADATA: {"RequestId": request_id},
    }


def _record_metadata(parsed: Any = None, **kwargs: Any) -> None:
    if isinstance(parsed, dict) and isinstance(parsed.get("ResponseMetadata"), dict):
        _last_call.metadata = dict(parsed["ResponseMetadata"])


def _client_service(state: Any) -> str:
    return "lambda" if isinstance(state, StateTaskServiceLambda) else state._get_boto_service_name()


def _watch_client(state: Any, region: str, state_credentials: Any) -> None:
    """Note the metadata of the next answer of the client the integration is about to use."""
    module = _CLIENT_MODULES[next(klass for klass in _CLIENT_MODULES if isinstance(state, klass))]
    client = module.boto_client_for(
        region=region, service=_client_service(state), state_credentials=state_credentials
    )
    client.meta.events.register("after-call", _record_metadata, unique_id=_HANDLER_ID)


def _simulated_now(env: Environment) -> datetime.datetime:
    clock = clock_of(env)
    offset = clock.offset if clock is not None else 0.0
    return datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=offset)


def _build_eval_service_task(original: Callable[..., None]) -> Callable[..., None]:
    def eval_service_task(
        self: Any,
        env: Environment,
        resource_runtime_part: Any,
        normalised_parameters: dict[str, Any],
        state_credentials: Any,
    ) -> None:
        _watch_client(self, resource_runtime_part.region, state_credentials)
        _last_call.metadata = None
        original(self, env, resource_runtime_part, normalised_parameters, state_credentials)
        metadata = getattr(_last_call, "metadata", None)
        _last_call.metadata = None
        result = env.stack[-1] if env.stack else None
        if metadata is not None and isinstance(result, dict):
            result.update(
                sdk_metadata(
                    metadata,
                    service=_client_service(self),
                    date=_simulated_now(env),
                    executed_version=result.get("ExecutedVersion"),
                )
            )

    return eval_service_task
