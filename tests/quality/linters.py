"""Thin, strict wrappers around cfn-lint (in-process) and the npm ASL linters (one process per batch).

Each wrapper returns per-input results and refuses output it cannot attribute to an input, so a
linter that crashed or changed its output format fails the suite instead of passing it silently.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stacks.application import PROJECT_ROOT

NODE_BIN = PROJECT_ROOT / "node_modules" / ".bin"
NODE_TIMEOUT_SECONDS = 120


class LinterUnavailable(RuntimeError):
    """The linter is not installed (run `make setup`, which runs `npm ci`)."""


class UnparsedOutput(RuntimeError):
    """The linter's output did not account for every input: it crashed or changed its format."""


@dataclass(frozen=True)
class LintMatch:
    rule_id: str
    path: str
    message: str

    @property
    def severity(self) -> str:
        return {"E": "error", "W": "warning", "I": "info"}.get(self.rule_id[:1], "unknown")

    def __str__(self) -> str:
        return f"{self.rule_id} {self.path}: {self.message}"


@functools.cache
def _cfn_lint_runner(region: str) -> Any:
    """One cfn-lint runner per region: its rule set loads once (the CLI reuses it across files too)."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner.cli import Runner

    return Runner(ConfigMixIn(regions=[region]))


def cfn_lint(template: Mapping[str, Any], region: str | None = None) -> list[LintMatch]:
    """cfn-lint's errors and warnings (no ignores applied: callers filter by reviewed id)."""
    from cfnlint.api import decode_str

    decoded, parse_errors = decode_str(json.dumps(template, indent=1))
    matches = parse_errors or list(_cfn_lint_runner(region or "us-east-1").validate_template(decoded))
    return [LintMatch(m.rule.id, getattr(m, "path_string", "?"), m.message) for m in matches]


@dataclass(frozen=True)
class BatchResult:
    """One linter run over many files: the problems per invalid file (valid files are absent)."""

    tool: str
    returncode: int
    problems: dict[str, list[str]] = field(default_factory=dict)


def _run(tool: str, arguments: Sequence[str]) -> subprocess.CompletedProcess[str]:
    executable = NODE_BIN / tool
    if not executable.exists():
        raise LinterUnavailable(f"{executable} is missing: run `make setup` (npm ci)")
    return subprocess.run(
        [str(executable), *arguments],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT_ROOT,
        timeout=NODE_TIMEOUT_SECONDS,
    )


_ASL_VALID = re.compile(r'^✓ State machine definition "(?P<path>.+)" is valid$', re.MULTILINE)
_ASL_INVALID = re.compile(r'^✕ State machine definition "(?P<path>.+)" is invalid:$', re.MULTILINE)


def asl_validator(paths: Sequence[Path]) -> BatchResult:
    """`asl-validator --json-path A --json-path B ...` (the same as `npx asl-validator`), parsed per file."""
    arguments = [argument for path in paths for argument in ("--json-path", str(path))]
    result = _run("asl-validator", arguments)
    valid = set(_ASL_VALID.findall(result.stdout))
    problems: dict[str, list[str]] = {}
    invalid = list(_ASL_INVALID.finditer(result.stderr))
    for index, match in enumerate(invalid):
        end = invalid[index + 1].start() if index + 1 < len(invalid) else len(result.stderr)
        text = result.stderr[match.end() : end]
        problems[match.group("path")] = [line.strip() for line in text.splitlines() if line.strip()]
    unaccounted = {str(path) for path in paths} - valid - set(problems)
    if unaccounted or result.returncode not in (0, 1) or (result.returncode == 1) != bool(problems):
        raise UnparsedOutput(
            f"asl-validator exited {result.returncode}; no verdict for {sorted(unaccounted)}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return BatchResult("asl-validator", result.returncode, problems)


_STATELINT_INVALID = re.compile(r"^ERROR: (?P<path>.+) (?:is|os) not valid$", re.MULTILINE)


def statelint(paths: Sequence[Path]) -> BatchResult:
    """`statelint A B ...` (the same as `npx statelint`), parsed per file; valid files print nothing."""
    result = _run("statelint", [str(path) for path in paths])
    problems: dict[str, list[str]] = {}
    invalid = list(_STATELINT_INVALID.finditer(result.stdout))
    for index, match in enumerate(invalid):
        end = invalid[index + 1].start() if index + 1 < len(invalid) else len(result.stdout)
        text = result.stdout[match.end() : end]
        problems[match.group("path")] = [line.strip() for line in text.splitlines() if line.strip()]
    stray = set(problems) - {str(path) for path in paths}
    if stray or result.returncode not in (0, 1) or (result.returncode == 1) != bool(problems):
        raise UnparsedOutput(
            f"statelint exited {result.returncode}; unexpected paths {sorted(stray)}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return BatchResult("statelint", result.returncode, problems)
