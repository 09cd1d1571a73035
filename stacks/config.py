"""Typed, validated per-environment configuration read from cdk.json's `environments` context."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from pydantic import Field, ValidationError, field_validator

from stacks.agent.settings import AgentSettings
from stacks.common.platform import LOG_RETENTION_DAYS, RETENTION_BY_DAYS, Platform
from stacks.cv.settings import CvSettings
from stacks.execution_logging import ExecutionLogging
from stacks.orders.settings import OrdersSettings
from stacks.rag.settings import RagSettings
from stacks.settings import ConfigError, ReadinessProblem, Settings
from stacks.tenants.settings import TenantSettings

DEFAULT_ENVIRONMENT = "dev"
# The workflow sections of an environment, each deployed as one stack (stacks/application.py).
WORKFLOW_KEYS = ("agent", "cv", "orders", "rag", "tenants")


class EnvironmentConfig(Settings):
    """Everything one deployment environment (dev, staging, prod, ...) needs at synth time."""

    name: str
    # The workflows this environment deploys; the others are not synthesized (their sections are still
    # validated, so a typo is caught before the workflow is switched on).
    workflows: tuple[str, ...] = WORKFLOW_KEYS
    # A sandbox may deploy placeholder and permissive settings; any other environment may not.
    sandbox: bool = Field(default=False, strict=True)
    account: str | None = Field(default=None, pattern=r"^\d{12}$")
    region: str | None = Field(default=None, pattern=r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
    log_retention_days: int = 14
    removal_policy: Literal["destroy", "retain"] = "retain"
    alarm_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    execution_logging: ExecutionLogging = ExecutionLogging()
    # Task functions' tracing: "xray" (active X-Ray tracing, Powertools Tracer over the X-Ray SDK) or
    # "off" (no segments, the Tracer a no-op); the way off the X-Ray SDK is in docs/tracing.md.
    lambda_tracing: Literal["xray", "off"] = "xray"
    # Workflow sections: one line per workflow, `<key>: <Settings> = <Settings>()`.
    agent: AgentSettings = AgentSettings()
    cv: CvSettings = CvSettings()
    orders: OrdersSettings = OrdersSettings()
    rag: RagSettings = RagSettings()
    tenants: TenantSettings = TenantSettings()

    @field_validator("log_retention_days")
    @classmethod
    def _known_retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            allowed = ", ".join(str(days) for days in LOG_RETENTION_DAYS)
            raise ValueError(f"must be one of {allowed}")
        return value

    @field_validator("workflows")
    @classmethod
    def _known_workflows(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        allowed = ", ".join(WORKFLOW_KEYS)
        for value in values:
            if value not in WORKFLOW_KEYS:
                raise ValueError(f"unknown workflow {value!r}: allowed values are {allowed}")
        if len(set(values)) != len(values):
            raise ValueError("each workflow at most once")
        if not values:
            raise ValueError(f"needs at least one workflow of {allowed}")
        return values

    def readiness_problems(self, workflows: Iterable[str] | None = None) -> list[ReadinessProblem]:
        """Every placeholder or permissive setting of the environment and of the given workflows
        (default: the environment's `workflows`), whatever `sandbox` says."""
        unset = {
            "account": (self.account, "the stacks go to whichever account the credentials reach"),
            "region": (self.region, "the stacks go to the credentials' default region"),
            "alarmEmail": (self.alarm_email, "every alarm goes to a topic nobody is subscribed to"),
        }
        problems = [
            ReadinessProblem(key, f"unset, so {effect}")
            for key, (value, effect) in unset.items()
            if not value
        ]
        if self.execution_logging.include_execution_data:
            problems.append(
                ReadinessProblem(
                    "executionLogging.includeExecutionData",
                    "true, so execution inputs and outputs (customers' addresses and payment tokens, "
                    "tenants' root e-mails, approval task tokens) are written to CloudWatch Logs",
                )
            )
        selected = set(self.workflows if workflows is None else workflows)
        for key in WORKFLOW_KEYS:
            if key in selected:
                section = getattr(self, key)
                problems.extend(problem.under(key) for problem in section.readiness_problems())
        return problems

    @property
    def log_retention(self) -> logs.RetentionDays:
        return RETENTION_BY_DAYS[self.log_retention_days]

    @property
    def cdk_removal_policy(self) -> RemovalPolicy:
        return RemovalPolicy.DESTROY if self.removal_policy == "destroy" else RemovalPolicy.RETAIN

    @property
    def platform(self) -> Platform:
        """What the shared and workflow constructs read of this environment (stacks.common.platform)."""
        return Platform(
            name=self.name,
            removal_policy=self.cdk_removal_policy,
            log_retention_days=self.log_retention_days,
            execution_log_level=self.execution_logging.level,
            include_execution_data=self.execution_logging.include_execution_data,
            lambda_tracing=self.lambda_tracing,
            account=self.account,
            region=self.region,
            alarm_email=self.alarm_email,
        )


def _describe(error: ValidationError, env_name: str) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    return f"environments.{env_name}.{key}: {message} (got {first.get('input')!r})"


def load_environment(environments: Mapping[str, Any] | None, env_name: str) -> EnvironmentConfig:
    """Validate and return the named environment; raise ConfigError with a one-line message."""
    if not isinstance(environments, Mapping) or not environments:
        raise ConfigError("cdk.json context 'environments' is missing or empty")
    if env_name not in environments:
        allowed = ", ".join(environments)
        raise ConfigError(f"unknown environment '{env_name}' (-c env=...): allowed values are {allowed}")
    raw = environments[env_name]
    if not isinstance(raw, Mapping):
        raise ConfigError(f"environments.{env_name}: must be an object (got {raw!r})")
    try:
        config = EnvironmentConfig.model_validate({**raw, "name": env_name})
    except ValidationError as error:
        raise ConfigError(_describe(error, env_name)) from None
    _check_composition(config)
    return config


def _check_composition(config: EnvironmentConfig) -> None:
    """An agent tool that reads another workflow (search_knowledge_base: rag, lookup_order: orders)
    may only be enabled where that workflow is deployed too."""
    if "agent" not in config.workflows:
        return
    for tool, workflow in config.agent.required_workflows().items():
        if workflow not in config.workflows:
            raise ConfigError(
                f"environments.{config.name}.agent.tools: {tool} needs the {workflow} workflow, which "
                f"environment '{config.name}' does not deploy (its workflows: {', '.join(config.workflows)})"
            )
