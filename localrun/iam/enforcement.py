"""Authorize every SDK call a deployed handler or state machine makes, as IAM would on AWS.

Every botocore client call goes through `BaseClient._make_api_call`; localrun wraps it. The
caller's role is found from where the call runs:
- inside a Lambda invocation (`isolation.current()`, which follows the handler's threads): the
  function's execution role, with the function name as session name, as Lambda assumes it;
- inside a state machine's task (`tracking.current_task()`): the state machine's role, for its
  service integrations (DynamoDB, Lambda invoke, SNS, SQS, EventBridge, `states:`, `aws-sdk:*`),
  its Map ItemReader/ResultWriter S3 calls, with the execution name as session name;
- anywhere else (a test seeding or inspecting resources, localrun provisioning): not checked.
A refused call raises what the service answers, a `ClientError` with its AccessDenied code
(`AccessDeniedException`, S3/SQS/STS `AccessDenied`, SNS `AuthorizationError`) and IAM's message
"User: arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION is not authorized to perform: ACTION on
resource: ARN because no identity-based policy allows the ACTION action".
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.client import BaseClient

from localrun import isolation, tracking
from localrun.engine.overrides import replace
from localrun.iam import integration_errors
from localrun.iam.policy import Decision, Principal, Request, evaluate
from localrun.iam.principals import PolicySet
from localrun.iam.requests import UNMAPPED, Call, requests_for

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/iam/test_enforcement.py"

_ERROR_CODES = {
    "s3": ("AccessDenied", 403),
    "sqs": ("AccessDenied", 403),
    "sts": ("AccessDenied", 403),
    "iam": ("AccessDenied", 403),
    "cloudformation": ("AccessDenied", 403),
    "cloudwatch": ("AccessDenied", 403),
    "sns": ("AuthorizationError", 403),
    "dynamodb": ("AccessDeniedException", 400),
}
_DEFAULT_ERROR = ("AccessDeniedException", 403)


@dataclass(frozen=True)
class Denial:
    """One refused call, as recorded on the runner's `PolicySet.denials`."""

    principal: str
    action: str
    resource: str
    message: str


_policy_sets: list[PolicySet] = []
_lock = threading.Lock()


def register(policies: PolicySet) -> None:
    with _lock:
        _policy_sets.append(policies)


def unregister(policies: PolicySet) -> None:
    with _lock:
        if policies in _policy_sets:
            _policy_sets.remove(policies)


def install() -> None:
    replace(BaseClient, "_make_api_call", _build_make_api_call)
    integration_errors.install()


def _caller() -> tuple[PolicySet, Principal] | None:
    """The role the current call runs under, and the policies of the stack it belongs to."""
    invocation = isolation.current()
    if invocation is not None:
        function = invocation.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        if function is not None:
            with _lock:
                for policies in _policy_sets:
                    role = policies.function_roles.get(str(function))
                    if role is not None:
                        return policies, Principal(role_arn=role, session_name=str(function))
        return None
    scope = tracking.current_task()
    if scope is None:
        return None
    execution_arn = scope.run.execution_arn
    machine_arn = execution_arn.replace(":execution:", ":stateMachine:").rsplit(":", 1)[0]
    with _lock:
        for policies in _policy_sets:
            role = policies.state_machine_roles.get(machine_arn)
            if role is not None:
                return policies, Principal(role_arn=role, session_name=execution_arn.rsplit(":", 1)[-1])
    return None


def _directory(account_id: str, region: str) -> Callable[[str, str], tuple[str, dict[str, str]] | None]:
    """Resources named by id in a request, as the emulated service knows them (ARN and tags):
    Organizations accounts, OUs and roots; CloudFormation StackSets."""

    def find(service: str, identifier: str) -> tuple[str, dict[str, str]] | None:
        try:
            if service == "organizations":
                from moto.organizations.models import organizations_backends

                backend = organizations_backends[account_id]["aws"]
                if backend.org is None:
                    return None
                resource = backend._get_resource_for_tagging(identifier)
            elif service == "cloudformation":
                from moto.cloudformation.models import cloudformation_backends

                resource = cloudformation_backends[account_id][region].describe_stack_set(identifier)
            else:
                return None
        except Exception:  # unknown id or pattern: the service itself refuses the call
            return None
        return str(resource.arn), dict(getattr(resource, "tags", {}) or {})

    return find


def authorize(client: Any, operation_name: str, params: dict[str, Any]) -> None:
    """Raise the service's AccessDenied ClientError if the caller's role may not make the call."""
    caller = _caller()
    if caller is None:
        return
    policies, principal = caller
    model = client.meta.service_model
    region = client.meta.region_name or "us-east-1"
    call = Call(
        signing_name=model.signing_name or model.endpoint_prefix,
        operation=operation_name,
        params=params,
        region=region,
        account_id=principal.account_id,
        partition=principal.role_arn.split(":")[1],
        directory=_directory(principal.account_id, region),
    )
    identity = policies.statements_for(principal.role_arn)
    for request in requests_for(call, principal.role_arn):
        if request.resource == UNMAPPED:
            policies.unmapped.add(request.action)
        resource_policy, key_policy = policies.resource_policy(request.resource)
        decision = evaluate(principal, request, identity, resource_policy, key_policy=key_policy)
        if not decision.allowed:
            _refuse(client, call, principal, request, decision, policies)


def _refuse(
    client: Any, call: Call, principal: Principal, request: Request, decision: Decision, policies: PolicySet
) -> None:
    message = decision.message(principal, request)
    policies.denials.append(Denial(principal.role_arn, request.action, request.resource, message))
    code, status = _ERROR_CODES.get(call.prefix, _DEFAULT_ERROR)
    response = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status, "RequestId": str(uuid.uuid4()), "HTTPHeaders": {}},
    }
    raise client.exceptions.from_code(code)(response, call.operation)


def _build_make_api_call(original: Callable[..., Any]) -> Callable[..., Any]:
    def make_api_call(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        if _policy_sets:
            authorize(self, operation_name, api_params)
        return original(self, operation_name, api_params)

    return make_api_call
