"""Base model for every config section in cdk.json (kept import-free so any module can use it)."""

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Settings(BaseModel):
    """camelCase keys in cdk.json, unknown keys rejected, immutable once loaded."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)
