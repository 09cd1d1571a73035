"""AWS Step Functions' names for aws-sdk integration errors: `<ServiceName>.<ErrorName>Exception`.

Step Functions names an error of `arn:aws:states:::aws-sdk:<service>:<action>` after the service
and the error, both in PascalCase, and always with the `Exception` suffix (AWS Step Functions
Developer Guide, "AWS SDK service integrations"): `AcmPca.ResourceNotFoundException`,
`S3.BucketAlreadyExistsException`, `DynamoDb.ConditionalCheckFailedException`,
`Organizations.AWSOrganizationsNotInUseException`, `Sfn.ExecutionDoesNotExistException`. The
service part is the SDK's service id (`ACM PCA`, `S3`, `DynamoDB`, `SFN`, `CloudFormation`) in the
AWS SDKs' PascalCase: split on word boundaries, each word lower-cased and capitalized. moto keeps
the lower-case name from the ARN (`organizations.X`), so Retry/Catch written with AWS's names never
matched locally; localrun restores AWS's spelling.
"""

from __future__ import annotations

import functools
import re

import botocore.session
from botocore.exceptions import UnknownServiceError
from botocore.model import ServiceModel

# The word-boundary rules of the AWS SDKs' code generators, in order.
_NON_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]+")
_VERSION_AFTER_CAPS = re.compile(r"([^a-z]{2,})v([0-9]+)")
_VERSION_AFTER_LOWER = re.compile(r"([^A-Z]{2,})V([0-9]+)")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z](?:[a-zA-Z]|[0-9]))")
_ACRONYM_THEN_WORD = re.compile(r"([A-Z]+)([A-Z][a-z])")
_DIGIT_THEN_LETTER = re.compile(r"([0-9])([a-zA-Z])")

# Step Functions spells these services differently from boto3 (as moto's interpreter does).
_ARN_TO_BOTO = {"sfn": "stepfunctions", "states": "stepfunctions"}


def words(name: str) -> list[str]:
    """`DynamoDB` -> [Dynamo, DB]; `ACM PCA` -> [ACM, PCA]; `S3Vectors` -> [S3, Vectors]."""
    text = _NON_ALPHANUMERIC.sub(" ", name)
    text = _VERSION_AFTER_CAPS.sub(r"\1 v\2 ", text)
    text = _VERSION_AFTER_LOWER.sub(r"\1 V\2 ", text)
    text = " ".join(_CAMEL_BOUNDARY.split(text))
    text = _ACRONYM_THEN_WORD.sub(r"\1 \2", text)
    text = _DIGIT_THEN_LETTER.sub(r"\1 \2", text)
    return text.split()


def pascal_case(name: str) -> str:
    """The SDKs' PascalCase: `DynamoDB` -> `DynamoDb`, `ACM PCA` -> `AcmPca`, `SFN` -> `Sfn`."""
    return "".join(word.lower().capitalize() for word in words(name))


@functools.cache
def error_service_name(arn_service: str) -> str:
    """The `<ServiceName>` of errors raised by `aws-sdk:<arn_service>:*` tasks."""
    model = _service_model(arn_service)
    service_id = model.metadata.get("serviceId") if model is not None else None
    return pascal_case(service_id or arn_service)


def error_name(arn_service: str, exception_name: str) -> str:
    """`<ServiceName>.<ErrorName>Exception` for an error of `aws-sdk:<arn_service>:*`."""
    suffix = "" if exception_name.endswith("Exception") else "Exception"
    return f"{error_service_name(arn_service)}.{exception_name}{suffix}"


def _compact(name: str) -> str:
    return _NON_ALPHANUMERIC.sub("", name).lower()


def _service_model(arn_service: str) -> ServiceModel | None:
    """The botocore model of the service an aws-sdk ARN names (`acmpca` is `acm-pca`, ...)."""
    session = botocore.session.get_session()
    available = session.get_available_services()
    wanted = _compact(arn_service)
    candidates = [_ARN_TO_BOTO.get(arn_service, arn_service)]
    candidates += [name for name in available if _compact(name) == wanted]
    for name in dict.fromkeys(candidates):
        if name in available:
            try:
                return session.get_service_model(name)
            except UnknownServiceError:
                continue
    for name in available:  # e.g. `cloudwatchlogs` (service id CloudWatch Logs) is boto3's `logs`
        model = session.get_service_model(name)
        if _compact(str(model.metadata.get("serviceId", ""))) == wanted:
            return model
    return None
