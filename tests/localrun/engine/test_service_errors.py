"""aws-sdk integration errors carry AWS Step Functions' names: `<ServiceName>.<Error>Exception`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from localrun import LocalRunner
from localrun.engine.service_names import error_name, error_service_name, pascal_case
from tests.localrun.asl_stacks import asl_template, sdk_task


@pytest.mark.parametrize(
    ("service_id", "expected"),
    [
        ("DynamoDB", "DynamoDb"),
        ("ACM PCA", "AcmPca"),
        ("SFN", "Sfn"),
        ("S3", "S3"),
        ("CloudFormation", "CloudFormation"),
        ("S3Vectors", "S3Vectors"),
        ("Elastic Load Balancing v2", "ElasticLoadBalancingV2"),
        ("EC2", "Ec2"),
    ],
)
def test_service_ids_in_the_sdks_pascal_case(service_id: str, expected: str) -> None:
    assert pascal_case(service_id) == expected


@pytest.mark.parametrize(
    ("arn_service", "expected"),
    [
        ("organizations", "Organizations"),
        ("dynamodb", "DynamoDb"),
        ("s3", "S3"),
        ("cloudformation", "CloudFormation"),
        ("acmpca", "AcmPca"),  # boto3's acm-pca; the Developer Guide's AcmPca.ResourceNotFoundException
        ("sfn", "Sfn"),
        ("lambda", "Lambda"),
    ],
)
def test_the_service_part_comes_from_the_sdk_service_id(arn_service: str, expected: str) -> None:
    assert error_service_name(arn_service) == expected


def test_the_exception_suffix_is_always_there() -> None:
    # The Developer Guide's example: S3 lists BucketAlreadyExists, Step Functions raises this.
    assert error_name("s3", "BucketAlreadyExists") == "S3.BucketAlreadyExistsException"
    assert error_name("dynamodb", "ResourceNotFoundException") == "DynamoDb.ResourceNotFoundException"


MACHINE = {
    "StartAt": "DescribeOrganization",
    "States": {
        "DescribeOrganization": sdk_task("organizations:describeOrganization", {}, "CheckTable", "$.org"),
        "CheckTable": sdk_task(
            "dynamodb:getItem", {"TableName": "missing", "Key": {"pk": {"S": "x"}}}, "ReadObject", "$.ddb"
        ),
        "ReadObject": sdk_task(
            "s3:getObject", {"Bucket": {"Ref": "Bucket"}, "Key": "absent.txt"}, "DescribeStack", "$.s3"
        ),
        "DescribeStack": sdk_task("cloudformation:describeStacks", {"StackName": "absent"}, "Route", "$.cfn"),
        "Route": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.org.Error",
                    "StringEquals": "Organizations.AWSOrganizationsNotInUseException",
                    "Next": "Done",
                }
            ],
            "Default": "Unmatched",
        },
        "Unmatched": {"Type": "Fail", "Error": "Unmatched"},
        "Done": {"Type": "Succeed"},
    },
}


@pytest.fixture(scope="module")
def sdk_errors() -> Iterator[LocalRunner]:
    template = asl_template("SdkErrors", MACHINE, {"Bucket": {"Type": "AWS::S3::Bucket"}})
    with LocalRunner(template) as runner:
        yield runner


def test_aws_sdk_errors_have_aws_names_locally(sdk_errors: LocalRunner) -> None:
    result = sdk_errors.run({})

    assert result.status == "SUCCEEDED", result.cause
    output = result.output
    assert output["org"]["Error"] == "Organizations.AWSOrganizationsNotInUseException"
    assert "Service: Organizations" in output["org"]["Cause"]
    assert output["ddb"]["Error"] == "DynamoDb.ResourceNotFoundException"
    assert output["s3"]["Error"] == "S3.NoSuchKeyException"
    # An error code the service model does not declare: the SDK's base exception of the service.
    assert output["cfn"]["Error"] == "CloudFormation.CloudFormationException"


def test_a_retry_and_catch_written_with_the_aws_name_match() -> None:
    definition = {
        "StartAt": "DescribeOrganization",
        "States": {
            "DescribeOrganization": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:organizations:describeOrganization",
                "End": True,
                "Retry": [
                    {"ErrorEquals": ["Organizations.AWSOrganizationsNotInUseException"], "MaxAttempts": 2}
                ],
                "Catch": [
                    {
                        "ErrorEquals": ["Organizations.AWSOrganizationsNotInUseException"],
                        "Next": "NoOrganization",
                    }
                ],
            },
            "NoOrganization": {"Type": "Succeed"},
        },
    }
    with LocalRunner(asl_template("SdkCatch", definition)) as runner:
        result = runner.run({})

    assert result.status == "SUCCEEDED", result.cause
    assert result.states == ("DescribeOrganization", "NoOrganization")
    assert result.retries == 2
