"""The `orders` section of an environment's config (cdk.json `environments.<env>.orders`)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator, model_validator

from stacks.settings import ReadinessProblem, Settings

CURRENCY_CODE = r"^[A-Z]{3}$"
COUNTRY_CODE = r"^[A-Z]{2}$"
APPROVER_PRINCIPAL = r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]{1,512}$"


class CurrencySettings(Settings):
    """A currency the saga accepts: its minor units and the total above which a human approves."""

    minor_units: int = Field(ge=0, le=4)
    approval_threshold: Decimal = Field(gt=0)

    @model_validator(mode="after")
    def _threshold_fits_minor_units(self) -> CurrencySettings:
        exponent = self.approval_threshold.as_tuple().exponent
        if not isinstance(exponent, int) or -exponent > self.minor_units:
            raise ValueError(
                f"approvalThreshold {self.approval_threshold} has more decimals than "
                f"minorUnits={self.minor_units}"
            )
        return self


def _default_currencies() -> dict[str, CurrencySettings]:
    return {
        "USD": CurrencySettings(minor_units=2, approval_threshold=Decimal("1000")),
        "EUR": CurrencySettings(minor_units=2, approval_threshold=Decimal("1000")),
        "GBP": CurrencySettings(minor_units=2, approval_threshold=Decimal("1000")),
    }


class OrdersSettings(Settings):
    """Business rules and limits of the order saga; defaults suit every environment."""

    currencies: dict[str, CurrencySettings] = Field(default_factory=_default_currencies)
    approval_timeout_seconds: int = Field(default=86_400, ge=60, le=30 * 86_400)
    approver_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    approver_principals: tuple[str, ...] = ()
    spend_window_seconds: int = Field(default=86_400, ge=3_600, le=90 * 86_400)
    max_items: int = Field(default=25, ge=1, le=100)
    max_quantity: int = Field(default=1_000, ge=1, le=1_000_000)
    shipping_countries: tuple[str, ...] = (
        "US", "CA", "GB", "IE", "DE", "FR", "NL", "BE", "ES", "IT", "AT", "DK", "SE",
    )  # fmt: skip
    reservation_concurrency: int = Field(default=10, ge=1, le=40)
    payment_adapter: Literal["ledger"] = "ledger"
    idempotency_ttl_seconds: int = Field(default=86_400, ge=300, le=30 * 86_400)
    task_timeout_seconds: int = Field(default=30, ge=3, le=300)
    compensation_max_attempts: int = Field(default=6, ge=1, le=10)
    # How long a parked order waits for an operator's retry or give-up (a Standard execution lasts
    # at most a year: this, the approval wait and an hour for the rest stay well within it).
    parked_timeout_days: int = Field(default=14, ge=1, le=300)
    operator_principals: tuple[str, ...] = ()

    @field_validator("currencies")
    @classmethod
    def _known_currency_codes(cls, value: dict[str, CurrencySettings]) -> dict[str, CurrencySettings]:
        if not value:
            raise ValueError("at least one currency is required")
        for code in value:
            if not re.fullmatch(CURRENCY_CODE, code):
                raise ValueError(f"{code!r} is not an ISO 4217 code (three capital letters)")
        return value

    @field_validator("approver_principals", "operator_principals")
    @classmethod
    def _principal_arns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for arn in value:
            if not re.fullmatch(APPROVER_PRINCIPAL, arn):
                raise ValueError(f"{arn!r} is not an IAM role or user ARN")
        return value

    @field_validator("shipping_countries")
    @classmethod
    def _country_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("at least one shipping country is required")
        for code in value:
            if not re.fullmatch(COUNTRY_CODE, code):
                raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 code")
        return value

    def readiness_problems(self) -> list[ReadinessProblem]:
        """Without an approver nobody sees approval requests (every order above a threshold times
        out); without named approver (operator) principals any principal of the account may
        approve orders (resume or give up parked ones)."""
        problems = []
        if not self.approver_email:
            problems.append(
                ReadinessProblem(
                    "approverEmail",
                    "unset, so approval requests go to a topic nobody reads and every order above its "
                    "currency's approvalThreshold is rejected when approvalTimeoutSeconds runs out",
                )
            )
        if not self.approver_principals:
            problems.append(
                ReadinessProblem(
                    "approverPrincipals",
                    "empty, so the approver role trusts the whole account: any principal allowed to "
                    "assume it can decide orders",
                )
            )
        if not self.operator_principals:
            problems.append(
                ReadinessProblem(
                    "operatorPrincipals",
                    "empty, so the parked-order operator role trusts the whole account: any principal "
                    "allowed to assume it can resume or give up parked orders",
                )
            )
        return problems

    @property
    def parked_timeout_seconds(self) -> int:
        return self.parked_timeout_days * 86_400

    def currencies_json(self) -> str:
        """The currency rules as the JSON the validate function reads from its environment."""
        return json.dumps(
            {
                code: {
                    "minorUnits": rules.minor_units,
                    "approvalThreshold": str(rules.approval_threshold),
                }
                for code, rules in sorted(self.currencies.items())
            },
            separators=(",", ":"),
        )
