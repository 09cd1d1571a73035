"""Error names that join a handler to its state's Retry and Catch.

Step Functions matches a Lambda task's error by the `errorType` the runtime reports: the exception
class's name. A Retry or Catch naming an error no code behind the state raises never matches:
rename `EmbeddingThrottled` (keeping an import alias) and Bedrock throttling fails documents
instead of being retried. So every name in a Lambda task's `ErrorEquals` must be a Step Functions
error (`States.*`), an error the Lambda service reports for the invocation, a `TaskError` subclass the
handler's code defines (its module and every project module it imports), a library error the
handler's code can raise, or — for a callback task — an error the answering side sends, each
listed with a reason in allowlists.py.

A Task that calls a service directly (optimized or `aws-sdk:` integration) sees that service's errors
as `<Service>.<Name>`, with `Exception` added to a name that lacks it (developer guide, "AWS SDK
service integrations": S3 `BucketAlreadyExists` is `S3.BucketAlreadyExistsException`). A name without
the suffix, or with another service's prefix, never matches: `DynamoDB.RequestLimitExceeded` retried
nothing. So every name in such a Task's `ErrorEquals` must be a `States.*` error, an error that
Step Functions documents for the integration itself, or `<its service's prefix>.<Name>Exception`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tests.quality.handler_modules import handler_source, import_closure, walk
from tests.support.asl import is_lambda_task, iter_states

# The base of every error a handler raises on purpose (lambdas/shared/errors.py).
TASK_ERROR = "TaskError"
# The errors the Lambda service and runtime report for an invocation (Step Functions developer
# guide, "Handling errors in Step Functions workflows": Lambda service exceptions; the runtime's
# timeout `Sandbox.Timedout`).
LAMBDA_SERVICE_ERRORS = frozenset(
    {
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
        "Lambda.ResourceNotFoundException",
        "Lambda.Unknown",
        "Sandbox.Timedout",
    }
)


# The `<Service>` of the error names of each service a Task calls directly, by the service's name in
# the Resource ARN (`arn:aws:states:::dynamodb:putItem`, `arn:aws:states:::aws-sdk:s3:putObject`).
SERVICE_ERROR_PREFIXES: Mapping[str, str] = {
    "dynamodb": "DynamoDB",
    "sns": "SNS",
    "sqs": "SQS",
    "events": "EventBridge",
    "s3": "S3",
    "organizations": "Organizations",
    "cloudformation": "CloudFormation",
    "sagemaker": "SageMaker",
    "cloudwatch": "CloudWatch",
}
# Errors an integration itself raises, not named after the service's errors (developer guide,
# "Add EventBridge events with Step Functions": a PutEvents answer with FailedEntryCount > 0).
INTEGRATION_ERRORS = frozenset({"EventBridge.FailedEntry"})
_SERVICE_RESOURCE = re.compile(r"^arn:aws[\w-]*:states:::(?:aws-sdk:)?(?P<service>[a-z0-9]+):")


@dataclass(frozen=True)
class Finding:
    where: str
    error: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.error} {self.message}"


def lambda_task_errors(
    template: Mapping[str, Any], definitions: Mapping[str, Mapping[str, Any]]
) -> Iterator[tuple[str, str, str]]:
    """(machine/state path, function logical id, error name) for every ErrorEquals name of every
    task that invokes one of the template's task functions."""
    functions = {
        logical_id for logical_id in template.get("Resources", {}) if _is_task_function(template, logical_id)
    }
    for machine_id, definition in definitions.items():
        for ref in iter_states(definition):
            function = _invoked_function(ref.state, functions)
            if function is None:
                continue
            for rule in [*ref.state.get("Retry", []), *ref.state.get("Catch", [])]:
                for error in rule.get("ErrorEquals", []):
                    yield f"{machine_id}/{ref.location}", function, error


def service_task_errors(definitions: Mapping[str, Mapping[str, Any]]) -> Iterator[tuple[str, str, str]]:
    """(machine/state path, service, error name) for every ErrorEquals name of every Task that
    calls a service other than Lambda directly."""
    for machine_id, definition in definitions.items():
        for ref in iter_states(definition):
            if ref.type != "Task" or is_lambda_task(ref.state):
                continue
            match = _SERVICE_RESOURCE.match(str(ref.state.get("Resource", "")))
            if match is None:
                continue
            for rule in [*ref.state.get("Retry", []), *ref.state.get("Catch", [])]:
                for error in rule.get("ErrorEquals", []):
                    yield f"{machine_id}/{ref.location}", match["service"], error


def misnamed_service_errors(definitions: Mapping[str, Mapping[str, Any]]) -> list[Finding]:
    """Every ErrorEquals name of a service Task that is not how Step Functions names that service's errors."""
    findings = []
    for where, service, error in service_task_errors(definitions):
        prefix = SERVICE_ERROR_PREFIXES.get(service)
        if error.startswith("States.") or error in INTEGRATION_ERRORS:
            continue
        if prefix is None:
            message = f"is named for service {service!r}, whose error prefix SERVICE_ERROR_PREFIXES lacks"
        elif not error.startswith(f"{prefix}."):
            message = f"is not a {prefix} error, and this state calls {service}"
        elif not error.endswith("Exception"):
            message = "lacks the `Exception` suffix Step Functions adds to every service error name"
        else:
            continue
        findings.append(Finding(where, error, message))
    return findings


def defined_exceptions(template: Mapping[str, Any], function: str) -> frozenset[str]:
    """Names of the exception classes a task function's code defines (import closure)."""
    classes = _classes(template, function)
    roots = {
        name for name, bases in classes.items() if any(b.endswith(("Error", "Exception")) for b in bases)
    }
    return subclasses(roots, classes)


def task_errors(template: Mapping[str, Any], function: str) -> frozenset[str]:
    """Names of the `TaskError` subclasses (lambdas/shared/errors.py) a task function's code defines."""
    return subclasses({TASK_ERROR}, _classes(template, function)) - {TASK_ERROR}


def subclasses(roots: set[str], classes: Mapping[str, list[str]]) -> frozenset[str]:
    """`roots` and every class (name -> base names) that derives from one of them, at any depth."""
    found = set(roots)
    grown = True
    while grown:
        more = {name for name, bases in classes.items() if name not in found and set(bases) & found}
        found |= more
        grown = bool(more)
    return frozenset(found)


def _classes(template: Mapping[str, Any], function: str) -> dict[str, list[str]]:
    source = handler_source(template["Resources"][function])
    if source is None:
        return {}
    return {
        node.name: [_base_name(base) for base in node.bases]
        for _, node in walk(import_closure(*source))
        if isinstance(node, ast.ClassDef)
    }


def unmatched(
    workflow: str,
    template: Mapping[str, Any],
    definitions: Mapping[str, Mapping[str, Any]],
    library_errors: Mapping[str, str],
    callback_errors: Mapping[str, str],
) -> list[Finding]:
    """Every ErrorEquals name of a Lambda task that nothing behind the state can raise.

    `callback_errors` keys are `<workflow>/<state path>:<error>`."""
    findings = []
    for where, function, error in lambda_task_errors(template, definitions):
        if error.startswith("States.") or error in LAMBDA_SERVICE_ERRORS or error in library_errors:
            continue
        if error in task_errors(template, function):
            continue
        if f"{workflow}/{where.split('/', 1)[1]}:{error}" in callback_errors:
            continue
        findings.append(Finding(where, error, f"is no TaskError subclass of {function}'s code (nor listed)"))
    return findings


def _is_task_function(template: Mapping[str, Any], logical_id: str) -> bool:
    resource = template["Resources"][logical_id]
    return resource.get("Type") == "AWS::Lambda::Function" and handler_source(resource) is not None


def _invoked_function(state: Mapping[str, Any], functions: set[str]) -> str | None:
    """The task function a Task state invokes (bare function ARN or `lambda:invoke` FunctionName)."""
    if state.get("Type") != "Task":
        return None
    targets = [str(state.get("Resource", "")), str(state.get("Parameters", {}).get("FunctionName", ""))]
    for target in targets:
        name = target.rsplit(":function:", 1)[-1].split(":")[0] if ":function:" in target else ""
        if name in functions:
            return name
    return None


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return getattr(node, "id", "")
