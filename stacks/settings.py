"""Base model for every config section in cdk.json and its one-line ConfigError (kept import-free so any
module can use them)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Settings(BaseModel):
    """camelCase keys in cdk.json, unknown keys rejected, immutable once loaded."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


class ConfigError(ValueError):
    """A configuration problem, worded as one line that names the offending key (a readiness refusal
    adds one line per offending key under its headline)."""


@dataclass(frozen=True)
class ReadinessProblem:
    """A setting that still holds a placeholder or a permissive default: its camelCase key path and why
    it must be set before the workflow is deployed outside a sandbox."""

    key: str
    reason: str

    def under(self, section: str) -> ReadinessProblem:
        """The same problem with its key path prefixed by the enclosing section (`tenants.`...)."""
        return ReadinessProblem(f"{section}.{self.key}", self.reason)
