"""What `python -m localrun run --input` was given: inline JSON, a sample file or a JSON input file.

Every problem is one `InputError` line naming the file: missing, a directory, not JSON (with the
line and column), or a sample of another workflow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localrun.samples import Sample


class InputError(ValueError):
    """A bad --input: reported as one line (exit code 2)."""


@dataclass(frozen=True)
class RunInput:
    """The execution input, and the sample it came from (None for plain input)."""

    raw: Any
    sample: Sample | None
    source: str


def read_input(value: str, workflow: str, workflows: list[str]) -> RunInput:
    """Parse `--input`: inline JSON when it starts with `{` or `[`, otherwise a file."""
    text = value.strip()
    if text.startswith(("{", "[")):
        try:
            return RunInput(json.loads(text), None, "inline JSON")
        except json.JSONDecodeError as error:
            raise InputError(f"--input: inline JSON is malformed: {error}") from None
    path = Path(value)
    if not path.exists():
        raise InputError(f"{path}: no such file (--input takes a JSON file, a sample or inline JSON)")
    if path.is_dir():
        raise InputError(
            f"{path}: is a directory; pass one of its .json files (see `python -m localrun list`)"
        )
    try:
        raw = json.loads(path.read_text())
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text file") from None
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path}: not JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    if not (isinstance(raw, dict) and "input" in raw and "expect" in raw):
        return RunInput(raw, None, str(path))
    owner = path.resolve().parent.name
    if owner in workflows and owner != workflow:
        raise InputError(f"{path}: a sample of workflow {owner!r}, not {workflow!r}")
    return RunInput(raw["input"], Sample.load(path, workflow), str(path))
