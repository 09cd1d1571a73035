"""The Python Lambda that runs one workflow task: arm64, the tested runtime, Powertools, tracing, logs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.common.bundling import LOCK_NAME, dependency_layer
from stacks.common.log_encryption import encrypted_log_group
from stacks.common.nag import acknowledge, arn_token
from stacks.common.platform import Platform

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LAMBDAS_ROOT = PROJECT_ROOT / "lambdas"
SHARED_PACKAGE = "shared"
# The newest Lambda Python runtime whose interpreter the tests, localrun and the demo run on (the Makefile
# builds the venv on this minor): handlers deploy on the Python they were tested with.
RUNTIME = lambda_.Runtime.PYTHON_3_13
RUNTIME_REASON = (
    "Handlers deploy on Python 3.13, the newest runtime their tests, localrun and the demo run on (the "
    "project venv's Python); moving to a newer runtime moves the venv with it (README, Python version)."
)
ARCHITECTURE = lambda_.Architecture.ARM_64
SOURCE_METADATA_KEY = "Stepwise:Source"
METRICS_NAMESPACE = "Stepwise"
# Dimensions of every metric a handler emits (`lambdas/shared/task.py`): service and environment.
SERVICE_DIMENSION = "service"
ENVIRONMENT_DIMENSION = "environment"


@dataclass(frozen=True)
class TaskFunctionProps:
    """What a workflow author chooses for one task function.

    `handler` is `<module>.<function>` inside `lambdas/<package>/`; the deployed handler string
    is package-qualified (`rag.fetch.handler`) so `lambdas/shared` is importable beside it.
    """

    platform: Platform
    package: str
    handler: str
    service: str
    description: str = ""
    timeout: Duration = field(default_factory=lambda: Duration.seconds(30))
    memory_size: int = 256
    environment: Mapping[str, str] = field(default_factory=dict)
    source_root: Path = LAMBDAS_ROOT


class PythonTaskFunction(Construct):
    """A Lambda function for one task, with its own role, log group and dependency layers."""

    function: lambda_.Function
    role: iam.Role
    log_group: logs.LogGroup
    timeout: Duration
    props: TaskFunctionProps

    def __init__(self, scope: Construct, construct_id: str, props: TaskFunctionProps) -> None:
        super().__init__(scope, construct_id)
        package_dir = props.source_root / props.package
        module = props.handler.rsplit(".", 1)[0].replace(".", "/")
        if not (package_dir / f"{module}.py").is_file():
            raise FileNotFoundError(f"handler module for {props.handler!r} not found in {package_dir}")
        self.timeout = props.timeout
        self.props = props
        self.log_group = encrypted_log_group(self, props.platform)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Task function {props.package}.{props.handler}",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        self.function = self._function(props)
        cfn_function = self.function.node.default_child
        cfn_function.add_metadata(  # type: ignore[union-attr]
            SOURCE_METADATA_KEY,
            {
                "root": props.source_root.relative_to(PROJECT_ROOT).as_posix(),
                "package": props.package,
            },
        )
        if props.platform.lambda_tracing == "xray":
            self._trace(cfn_function)  # type: ignore[arg-type]
        else:
            self.function.add_environment("POWERTOOLS_TRACE_DISABLED", "true")
        acknowledge(self.function, "AwsSolutions-L1", RUNTIME_REASON)

    def _function(self, props: TaskFunctionProps) -> lambda_.Function:
        return lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=f"{props.package}.{props.handler}",
            code=lambda_.Code.from_asset(
                str(props.source_root), exclude=_exclusions(props.source_root, props.package)
            ),
            layers=self._layers(props),
            role=self.role,
            log_group=self.log_group,
            timeout=props.timeout,
            memory_size=props.memory_size,
            description=props.description or f"Stepwise {props.service}: {props.handler}",
            environment={
                "POWERTOOLS_SERVICE_NAME": props.service,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "POWERTOOLS_LOG_LEVEL": "INFO",
                "STEPWISE_ENV": props.platform.name,
                **props.environment,
            },
        )

    def _trace(self, cfn_function: lambda_.CfnFunction) -> None:
        """Active X-Ray tracing, with its permissions in a policy of their own: `Resource: "*"` is
        acknowledged there only, so any other wildcard grant on the role still reaches cdk-nag."""
        cfn_function.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
        tracing = iam.Policy(
            self,
            "TracingPolicy",
            statements=[
                iam.PolicyStatement(
                    actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]
                )
            ],
        )
        tracing.attach_to_role(self.role)
        cfn_function.node.add_dependency(tracing)
        acknowledge(
            tracing,
            "AwsSolutions-IAM5[Resource::*]",
            "Active tracing needs xray:PutTraceSegments/PutTelemetryRecords, which support no "
            "resource-level permissions.",
        )

    def metric(self, metric_name: str, *, period: Duration, statistic: str = "Sum") -> cloudwatch.Metric:
        """A metric the handler emits with Powertools: namespace, service and environment as deployed.

        Every function of the same service and environment emits to the same metric.
        """
        return cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name=metric_name,
            dimensions_map={
                SERVICE_DIMENSION: self.props.service,
                ENVIRONMENT_DIMENSION: self.props.platform.name,
            },
            period=period,
            statistic=statistic,
        )

    def grant_object_access(self, bucket: s3.IBucket, actions: Sequence[str], key_pattern: str = "*") -> None:
        """Allow exact object-level S3 actions on one bucket's keys matching `key_pattern`."""
        self.role.add_to_policy(
            iam.PolicyStatement(actions=list(actions), resources=[bucket.arn_for_objects(key_pattern)])
        )
        acknowledge(
            self.role.node.find_child("DefaultPolicy"),
            f"AwsSolutions-IAM5[Resource::{arn_token(bucket)}/{key_pattern}]",
            f"Object-level S3 actions ({', '.join(actions)}) need an object ARN pattern; it is "
            "scoped to this single bucket.",
        )

    def _layers(self, props: TaskFunctionProps) -> list[lambda_.ILayerVersion]:
        shared, *package = layer_locks(props.source_root, props.package)
        layers = [
            dependency_layer(
                self,
                "PowertoolsLayer",
                shared,
                RUNTIME,
                ARCHITECTURE,
                "Powertools for AWS Lambda and the other dependencies shared by every task",
            )
        ]
        layers.extend(
            dependency_layer(
                self,
                f"{props.package.title()}DependenciesLayer",
                lock,
                RUNTIME,
                ARCHITECTURE,
                f"Dependencies of the {props.package} task functions",
            )
            for lock in package
        )
        return layers


def layer_locks(source_root: Path, package: str) -> list[Path]:
    """The hashed locks of a function's layers, in layer order: the shared one, then its package's."""
    package_lock = source_root / package / LOCK_NAME
    return [LAMBDAS_ROOT / LOCK_NAME, *([package_lock] if package_lock.is_file() else [])]


def _exclusions(source_root: Path, package: str) -> list[str]:
    """Everything in the source root except the function's package and the shared package."""
    keep = {package, SHARED_PACKAGE}
    siblings = sorted(path.name for path in source_root.iterdir() if path.name not in keep)
    return [*siblings, "__pycache__", "*.pyc", "requirements*.txt", "requirements*.lock"]
