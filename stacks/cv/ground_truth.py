"""Ground Truth's side of labeling: the task table, the job's role, UI templates and `.sync` rights."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import ArnFormat, Aws, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.common import PythonTaskFunction, acknowledge
from stacks.common.contracts import handler_contract
from stacks.common.nag import arn_prefix, arn_token
from stacks.cv.settings import TaskType

CONTRACT = handler_contract("cv")
UI_TEMPLATES = Path(__file__).resolve().parent / "ui"
SAGEMAKER_EVENTS_RULE = "StepFunctionsGetEventsForSageMakerLabelingJobsRule"
# What the Ground Truth role reads: the job's images (frames, composites) and manifests.
READABLE_PREFIXES = (CONTRACT.FRAMES_PREFIX, CONTRACT.COMPOSITES_PREFIX, CONTRACT.LABELING_PREFIX)


@dataclass(frozen=True)
class TaskDefinition:
    """What differs between the two Ground Truth tasks; the rest of the job is shared."""

    task_type: TaskType
    state_name: str
    label_attribute_name: str
    title: str
    description: str
    keywords: tuple[str, ...]


TASK_DEFINITIONS: tuple[TaskDefinition, ...] = (
    TaskDefinition(
        CONTRACT.BOUNDING_BOX,
        "BoundingBoxTask",
        "bounding-box",
        "Box people and vehicles on the warehouse floor",
        "Correct the model's boxes so every person and vehicle has one tight box",
        ("image", "bounding box", "safety"),
    ),
    TaskDefinition(
        CONTRACT.FLOOR_TAPE,
        "FloorTapeTask",
        "floor-tape",
        "Outline floor-tape zones",
        "Draw one polygon per zone marked by painted floor tape on a composite floor image",
        ("image", "polygon", "floor tape"),
    ),
)


def ground_truth_role(scope: Construct, bucket: s3.IBucket, hooks: Sequence[PythonTaskFunction]) -> iam.Role:
    """The role Ground Truth runs the job with: read inputs, write output, call the task Lambdas."""
    role = iam.Role(
        scope,
        "GroundTruthRole",
        assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
        description="SageMaker Ground Truth labeling jobs of the CV-safety workflow",
    )
    _grant_bucket(role, bucket)
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["lambda:InvokeFunction"], resources=[hook.function.function_arn for hook in hooks]
        )
    )
    _grant_service_logs_and_metrics(role)
    _acknowledge(role, bucket)
    return role


def _grant_bucket(role: iam.Role, bucket: s3.IBucket) -> None:
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["s3:GetObject"],
            resources=[bucket.arn_for_objects(f"{prefix}*") for prefix in READABLE_PREFIXES],
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["s3:PutObject"], resources=[bucket.arn_for_objects(f"{CONTRACT.LABELING_PREFIX}*")]
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(actions=["s3:ListBucket", "s3:GetBucketLocation"], resources=[bucket.bucket_arn])
    )


def _grant_service_logs_and_metrics(role: iam.Role) -> None:
    role.add_to_policy(
        iam.PolicyStatement(
            actions=[
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams",
            ],
            resources=[
                Stack.of(role).format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name="/aws/sagemaker/LabelingJobs*",
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"],
            resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": "AWS/SageMaker/LabelingJobs"}},
        )
    )


def _acknowledge(role: iam.Role, bucket: s3.IBucket) -> None:
    policy = role.node.find_child("DefaultPolicy")
    bucket_token = arn_token(bucket)
    for prefix in READABLE_PREFIXES:
        acknowledge(
            policy,
            f"AwsSolutions-IAM5[Resource::{bucket_token}/{prefix}*]",
            "Ground Truth reads the job's images and manifests under fixed prefixes of one bucket.",
        )
    acknowledge(
        policy,
        f"AwsSolutions-IAM5[Resource::{arn_prefix(policy, 'logs')}log-group:/aws/sagemaker/LabelingJobs*]",
        "Ground Truth writes to its own service log group family; the job names are not known at deploy.",
    )
    acknowledge(
        policy,
        "AwsSolutions-IAM5[Resource::*]",
        "cloudwatch:PutMetricData has no resource-level permissions; it is limited to the Ground Truth "
        "namespace by a condition.",
    )


def upload_ui_templates(
    scope: Construct, role: iam.Role, task_definitions: Sequence[TaskDefinition] = TASK_DEFINITIONS
) -> dict[str, s3_assets.Asset]:
    """The UI templates, uploaded as CDK assets Ground Truth reads (exact objects, no custom resource)."""
    templates = {}
    for definition in task_definitions:
        asset = s3_assets.Asset(
            scope,
            f"{definition.state_name}Template",
            path=str(UI_TEMPLATES / f"{definition.task_type}.liquid.html"),
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[f"arn:{Aws.PARTITION}:s3:::{asset.s3_bucket_name}/{asset.s3_object_key}"],
            )
        )
        templates[definition.task_type] = asset
    return templates


def grant_labeling_job_sync(
    machine: sfn.StateMachine, role_policy: Construct, ground_truth: iam.IRole, job_name_prefix: str
) -> None:
    """What `createLabelingJob.sync` needs: the job API, the managed events rule and PassRole."""
    stack = Stack.of(machine)
    job_arn = stack.format_arn(
        service="sagemaker", resource="labeling-job", resource_name=f"{job_name_prefix}-*"
    )
    machine.add_to_role_policy(
        iam.PolicyStatement(
            actions=[
                "sagemaker:CreateLabelingJob",
                "sagemaker:DescribeLabelingJob",
                "sagemaker:StopLabelingJob",
            ],
            resources=[job_arn],
        )
    )
    machine.add_to_role_policy(
        iam.PolicyStatement(
            actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            resources=[
                stack.format_arn(service="events", resource="rule", resource_name=SAGEMAKER_EVENTS_RULE)
            ],
        )
    )
    machine.add_to_role_policy(
        iam.PolicyStatement(
            actions=["iam:PassRole"],
            resources=[ground_truth.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )
    )
    acknowledge(
        role_policy,
        f"AwsSolutions-IAM5[Resource::{arn_prefix(role_policy, 'sagemaker')}"
        f"labeling-job/{job_name_prefix}-*]",
        "Labeling job names are generated per execution; the pattern is limited to this workflow's prefix.",
    )
