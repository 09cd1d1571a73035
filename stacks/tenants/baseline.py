"""Baseline templates: the CloudFormation templates every tenant account receives through StackSets."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from stacks.tenants.settings import BASELINE_DIR

# Every baseline template declares these; the workflow overrides them per stack instance.
TENANT_PARAMETERS = ("TenantId", "TenantTier")
# Stack-set-level value of the tenant parameters until an instance overrides them.
UNASSIGNED = "unassigned"

_NAME = re.compile(r"^[a-z][a-z0-9-]{1,40}$")
_PARAMETER_LINE = re.compile(r"^(\s+)([A-Za-z0-9]+):\s*(#.*)?$")


def declared_parameters(body: str) -> tuple[str, ...]:
    """Names under the top-level `Parameters:` key of a block-style YAML template."""
    names: list[str] = []
    inside = False
    indent: str | None = None
    for line in body.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            inside = line.split("#", 1)[0].rstrip() == "Parameters:"
            continue
        if not inside:
            continue
        match = _PARAMETER_LINE.match(line)
        if indent is None and match:
            indent = match.group(1)
        if match and match.group(1) == indent:
            names.append(match.group(2))
    return tuple(names)


@dataclass(frozen=True)
class BaselineTemplate:
    """One baseline StackSet: a name (used in the StackSet name) and its template file."""

    name: str
    path: Path

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"baseline name {self.name!r} must be lower-case letters, digits, '-'")
        missing = [name for name in TENANT_PARAMETERS if name not in self.parameters]
        if missing:
            raise ValueError(
                f"baseline template {self.path} must declare the parameters {', '.join(missing)}"
            )

    @classmethod
    def shipped(cls, name: str) -> BaselineTemplate:
        """A template kept in `stacks/tenants/baseline/<name>.yaml`."""
        return cls(name, BASELINE_DIR / f"{name}.yaml")

    @property
    def body(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def parameters(self) -> tuple[str, ...]:
        return declared_parameters(self.body)

    def stack_set_parameters(self, platform: Mapping[str, str]) -> dict[str, str]:
        """Stack-set-level values: placeholders for the tenant parameters, platform values if declared."""
        values = {name: UNASSIGNED for name in TENANT_PARAMETERS}
        values.update({key: value for key, value in platform.items() if key in self.parameters})
        return values
