from aws_cdk.assertions import Match

from tests.support.probe import probe_template


def test_buckets_are_private_encrypted_and_logged():
    template = probe_template()
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": Match.any_value(),
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "LoggingConfiguration": {
                "DestinationBucketName": {"Ref": Match.string_like_regexp("AccessLogsBucket")},
                "LogFilePrefix": "Data/",
            },
        },
    )


def test_every_bucket_denies_plain_http():
    template = probe_template()
    policies = template.find_resources("AWS::S3::BucketPolicy")
    assert len(policies) == len(template.find_resources("AWS::S3::Bucket")) == 2
    for policy in policies.values():
        conditions = [s.get("Condition") for s in policy["Properties"]["PolicyDocument"]["Statement"]]
        assert {"Bool": {"aws:SecureTransport": "false"}} in conditions


def test_tables_have_point_in_time_recovery():
    probe_template().has_resource_properties(
        "AWS::DynamoDB::GlobalTable",
        {
            "BillingMode": "PAY_PER_REQUEST",
            "Replicas": [
                Match.object_like({"PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}})
            ],
        },
    )
