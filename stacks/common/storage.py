"""Hardened defaults for the data stores workflows use: buckets, tables and topics (queues: `queues`)."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks.common.platform import Platform

ACCESS_LOGS_ID = "AccessLogsBucket"


def access_logs_bucket(scope: Construct, platform: Platform) -> s3.Bucket:
    """The stack's single server-access-log bucket, created on first use."""
    stack = Stack.of(scope)
    existing = stack.node.try_find_child(ACCESS_LOGS_ID)
    if existing is not None:
        return existing  # type: ignore[return-value]
    bucket = s3.Bucket(
        stack,
        ACCESS_LOGS_ID,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
        removal_policy=platform.removal_policy,
        lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(platform.log_retention_days))],
    )
    return bucket


def secure_bucket(
    scope: Construct, construct_id: str, platform: Platform, *, versioned: bool = False
) -> s3.Bucket:
    """A private, encrypted, TLS-only bucket whose server access logs go to the stack's log bucket."""
    return s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        versioned=versioned,
        server_access_logs_bucket=access_logs_bucket(scope, platform),
        server_access_logs_prefix=f"{construct_id}/",
        removal_policy=platform.removal_policy,
    )


def secure_table(
    scope: Construct,
    construct_id: str,
    platform: Platform,
    *,
    partition_key: dynamodb.Attribute,
    sort_key: dynamodb.Attribute | None = None,
    time_to_live_attribute: str | None = None,
) -> dynamodb.TableV2:
    """An on-demand table with point-in-time recovery and AWS-owned encryption."""
    return dynamodb.TableV2(
        scope,
        construct_id,
        partition_key=partition_key,
        sort_key=sort_key,
        billing=dynamodb.Billing.on_demand(),
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        time_to_live_attribute=time_to_live_attribute,
        removal_policy=platform.removal_policy,
    )


def rotating_key(scope: Construct, construct_id: str, platform: Platform, purpose: str) -> kms.Key:
    """A customer-managed key with yearly rotation, described by `purpose` and the environment."""
    return kms.Key(
        scope,
        construct_id,
        enable_key_rotation=True,
        description=f"{purpose} ({platform.name})",
        removal_policy=platform.removal_policy,
    )


def encrypted_topic(
    scope: Construct,
    construct_id: str,
    key: kms.IKey,
    display_name: str,
    *,
    subscriber_email: str | None = None,
) -> sns.Topic:
    """A TLS-only topic encrypted with the given customer-managed key, e-mailed to `subscriber_email`."""
    topic = sns.Topic(scope, construct_id, master_key=key, enforce_ssl=True, display_name=display_name)
    if subscriber_email:
        topic.add_subscription(subscriptions.EmailSubscription(subscriber_email))
    return topic
