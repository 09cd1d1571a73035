"""What the shared constructs need of an environment: its name, lifecycle, logging and tracing choices.

Built from the validated config by `EnvironmentConfig.platform` (stacks/config.py); the shared and
workflow constructs take this value, never the whole config, so nothing under stacks/common knows
the config file or the workflows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs

_RETENTION_NAMES = [
    "ONE_DAY",
    "THREE_DAYS",
    "FIVE_DAYS",
    "ONE_WEEK",
    "TWO_WEEKS",
    "ONE_MONTH",
    "TWO_MONTHS",
    "THREE_MONTHS",
    "FOUR_MONTHS",
    "FIVE_MONTHS",
    "SIX_MONTHS",
    "ONE_YEAR",
    "THIRTEEN_MONTHS",
    "EIGHTEEN_MONTHS",
    "TWO_YEARS",
    "THREE_YEARS",
    "FIVE_YEARS",
    "SIX_YEARS",
    "SEVEN_YEARS",
    "EIGHT_YEARS",
    "NINE_YEARS",
    "TEN_YEARS",
]
_RETENTION_VALUES = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827)
_RETENTION_VALUES += (2192, 2557, 2922, 3288, 3653)
RETENTION_BY_DAYS = {
    days: logs.RetentionDays[name] for days, name in zip(_RETENTION_VALUES, _RETENTION_NAMES, strict=True)
}
LOG_RETENTION_DAYS = tuple(RETENTION_BY_DAYS)

ExecutionLogLevel = Literal["ALL", "ERROR", "FATAL", "OFF"]
LambdaTracing = Literal["xray", "off"]


class PlatformError(ValueError):
    """A Platform built with a value no deployment accepts (e.g. a log retention CloudWatch lacks)."""


@dataclass(frozen=True)
class Platform:
    """One environment as the shared constructs see it.

    `account`/`region` unset: the stacks go wherever the credentials point. `alarm_email` unset: the
    alarm topics have no subscriber.
    """

    name: str
    removal_policy: RemovalPolicy
    log_retention_days: int
    execution_log_level: ExecutionLogLevel
    include_execution_data: bool
    lambda_tracing: LambdaTracing
    account: str | None = None
    region: str | None = None
    alarm_email: str | None = None

    def __post_init__(self) -> None:
        if self.log_retention_days not in RETENTION_BY_DAYS:
            allowed = ", ".join(str(days) for days in LOG_RETENTION_DAYS)
            raise PlatformError(
                f"Platform.log_retention_days: must be one of {allowed} (got {self.log_retention_days!r})"
            )

    @property
    def log_retention(self) -> logs.RetentionDays:
        """The log groups' retention as CloudWatch Logs names it."""
        return RETENTION_BY_DAYS[self.log_retention_days]
