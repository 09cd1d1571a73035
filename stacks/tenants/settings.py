"""The `tenants` section of an environment in cdk.json: account vending, baseline and tier settings."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from stacks.settings import ReadinessProblem, Settings

BASELINE_DIR = Path(__file__).resolve().parent / "baseline"
OU_ID_PATTERN = r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$"
TIER_NAME = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](-*[a-z0-9])*\.)+[a-z]{2,63}$")
ORGANIZATION_ID_PATTERN = r"^o-[a-z0-9]{10,32}$"
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
EXECUTION_MARGIN_MINUTES = 15
# The shipped OU and organization ids are placeholders of these forms: no organization has them.
PLACEHOLDER_OU_PREFIX = "ou-stpw-"
PLACEHOLDER_ORGANIZATION_PREFIX = "o-stpw"
# The samples' tenant OU: a placeholder until an environment lists its own.
PLACEHOLDER_TENANT_OU = "ou-stpw-tenants01"


class TierSettings(Settings):
    """Defaults seeded into the tenant registry for every tenant of one tier."""

    max_users: int = Field(ge=1, le=1_000_000)
    monthly_budget_usd: int = Field(ge=0, le=10_000_000)
    support_level: Literal["basic", "business", "enterprise"]
    data_retention_days: int = Field(ge=1, le=3653)


DEFAULT_TIERS: dict[str, TierSettings] = {
    "standard": TierSettings(
        max_users=50, monthly_budget_usd=500, support_level="basic", data_retention_days=90
    ),
    "premium": TierSettings(
        max_users=500, monthly_budget_usd=5_000, support_level="business", data_retention_days=365
    ),
    "enterprise": TierSettings(
        max_users=10_000,
        monthly_budget_usd=50_000,
        support_level="enterprise",
        data_retention_days=2557,
    ),
}


class PollSettings(Settings):
    """A bounded polling loop: wait `intervalSeconds` between polls, give up after `maxPolls`."""

    interval_seconds: int = Field(ge=1, le=3600)
    max_polls: int = Field(ge=1, le=1000)

    @property
    def budget_seconds(self) -> int:
        return self.interval_seconds * self.max_polls


class ReadOnlySettings(Settings):
    """Who may assume the baseline's read-only role in a tenant account, and what it may read."""

    # Roles of the platform account that may assume it without MFA (e.g. an SSO permission set's
    # role, whose sign-in already required MFA); empty: only MFA-authenticated platform principals.
    principal_arns: tuple[str, ...] = ()
    # True: AWS ReadOnlyAccess (reads tenant data, e.g. s3:GetObject); false: ViewOnlyAccess plus an
    # explicit deny of data reads.
    read_tenant_data: bool = False

    @field_validator("principal_arns")
    @classmethod
    def _role_arns(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not ROLE_ARN.match(value):
                raise ValueError(f"{value!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)")
        return values


class BaselineSettings(Settings):
    """The baseline StackSets applied to every new tenant account."""

    templates: tuple[str, ...] = ("networking", "iam-roles", "logging", "tagging")
    regions: tuple[str, ...] = ()
    max_concurrency: int = Field(default=2, ge=1, le=20)
    poll: PollSettings = PollSettings(interval_seconds=30, max_polls=60)
    read_only: ReadOnlySettings = ReadOnlySettings()

    @field_validator("templates")
    @classmethod
    def _templates_exist(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if not values:
            raise ValueError("needs at least one baseline template")
        if len(set(values)) != len(values):
            raise ValueError("baseline templates must be unique")
        for name in values:
            if not re.fullmatch(r"[a-z][a-z0-9-]{1,40}", name):
                raise ValueError(f"template name {name!r} must be lower-case letters, digits, '-'")
            if not (BASELINE_DIR / f"{name}.yaml").is_file():
                raise ValueError(f"no baseline template {name}.yaml in {BASELINE_DIR.name}/")
        return values

    @field_validator("regions")
    @classmethod
    def _known_regions(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for region in values:
            if not REGION.match(region):
                raise ValueError(f"{region!r} is not a region name")
        if len(set(values)) != len(values):
            raise ValueError("regions must be unique")
        return values


class TenantSettings(Settings):
    """Account vending for tenants: where accounts go, how long to wait, what every tenant gets."""

    # The role CreateAccount makes in each tenant account: the only role the StackSets assume there.
    # Not OrganizationAccountAccessRole, which every account Organizations ever created has.
    account_access_role_name: str = Field(default="StepwiseTenantAccess", pattern=r"^[\w+=,.@-]{1,64}$")
    organization_id: str = Field(default="o-stpwplaceholder", pattern=ORGANIZATION_ID_PATTERN)
    quarantine_ou_id: str = Field(default="ou-stpw-quarantine", pattern=OU_ID_PATTERN)
    suspended_ou_id: str = Field(default="ou-stpw-suspended", pattern=OU_ID_PATTERN)
    allowed_ou_ids: tuple[str, ...] = (PLACEHOLDER_TENANT_OU,)
    allowed_email_domains: tuple[str, ...] = ()
    tiers: dict[str, TierSettings] = Field(default_factory=lambda: dict(DEFAULT_TIERS))
    activation: PollSettings = PollSettings(interval_seconds=30, max_polls=40)
    baseline: BaselineSettings = BaselineSettings()
    event_bus_name: str = Field(default="default", pattern=r"^[A-Za-z0-9._-]{1,256}$")
    event_source: str = Field(default="stepwise.tenants", pattern=r"^[a-z0-9][a-z0-9.-]{2,255}$")
    execution_timeout_minutes: int = Field(default=240, ge=5, le=1440)

    @field_validator("allowed_ou_ids")
    @classmethod
    def _ou_ids(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if not values:
            raise ValueError("needs at least one OU: tenant accounts are placed, and IAM scoped, only there")
        for value in values:
            if not re.match(OU_ID_PATTERN, value):
                raise ValueError(f"{value!r} is not an organizational unit id (ou-xxxx-xxxxxxxx)")
        return values

    @field_validator("allowed_email_domains")
    @classmethod
    def _domains(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        lowered = tuple(value.lower() for value in values)
        for value in lowered:
            if not DOMAIN.match(value):
                raise ValueError(f"{value!r} is not a domain name")
        return lowered

    @field_validator("tiers")
    @classmethod
    def _tier_names(cls, values: dict[str, TierSettings]) -> dict[str, TierSettings]:
        if not values:
            raise ValueError("needs at least one tier")
        for name in values:
            if not TIER_NAME.match(name):
                raise ValueError(f"tier name {name!r} must be 2-32 lower-case letters, digits, '-'")
        return values

    @model_validator(mode="after")
    def _consistent(self) -> TenantSettings:
        if self.quarantine_ou_id == self.suspended_ou_id:
            raise ValueError("quarantineOuId and suspendedOuId must be different OUs")
        reserved = {self.quarantine_ou_id, self.suspended_ou_id} & set(self.allowed_ou_ids)
        if reserved:
            raise ValueError(f"allowedOuIds must not contain the quarantine/suspended OU {reserved}")
        needed = math.ceil(self.worst_case_seconds / 60) + EXECUTION_MARGIN_MINUTES
        if self.execution_timeout_minutes < needed:
            raise ValueError(
                f"executionTimeoutMinutes ({self.execution_timeout_minutes}) must cover the poll "
                f"budgets plus {EXECUTION_MARGIN_MINUTES} minutes: at least {needed}"
            )
        return self

    def readiness_problems(self) -> list[ReadinessProblem]:
        """An empty e-mail allow-list accepts any root e-mail; placeholder OUs and organization make
        every move and baseline fail."""
        problems = []
        if self.organization_id.startswith(PLACEHOLDER_ORGANIZATION_PREFIX):
            problems.append(
                ReadinessProblem(
                    "organizationId",
                    f"placeholder {self.organization_id!r}, so every MoveAccount and every StackSet "
                    "operation is denied (IAM scopes them to this organization's tenant OUs)",
                )
            )
        placeholders = [value for value in self.allowed_ou_ids if value.startswith(PLACEHOLDER_OU_PREFIX)]
        if placeholders:
            problems.append(
                ReadinessProblem(
                    "allowedOuIds", f"holds placeholder OU ids {', '.join(placeholders)} (no such OU)"
                )
            )
        if not self.allowed_email_domains:
            problems.append(
                ReadinessProblem(
                    "allowedEmailDomains",
                    "empty, so a caller can give the account a root e-mail they control and take root "
                    "by password reset",
                )
            )
        for key, value, effect in (
            ("quarantineOuId", self.quarantine_ou_id, "every quarantine of a failed account fails"),
            ("suspendedOuId", self.suspended_ou_id, "every tenant retirement fails"),
        ):
            if value.startswith(PLACEHOLDER_OU_PREFIX):
                problems.append(ReadinessProblem(key, f"placeholder {value!r} (no such OU), so {effect}"))
        return problems

    @property
    def tenant_ou_ids(self) -> tuple[str, ...]:
        """OUs a tenant account may sit in while the platform administers it: its own and quarantine."""
        return (*self.allowed_ou_ids, self.quarantine_ou_id)

    @property
    def worst_case_seconds(self) -> int:
        """Activation polling (twice: a lost CreateAccount answer may first wait the same budget for a
        request still in progress, then request the account again) plus every baseline wave polling
        to its limit."""
        waves = math.ceil(len(self.baseline.templates) / self.baseline.max_concurrency)
        return 2 * self.activation.budget_seconds + waves * self.baseline.poll.budget_seconds
