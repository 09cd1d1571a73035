"""Run asl-validator and statelint once over every definition (real, fixture and known-bad)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tests.quality.allowlists import STATELINT_SCHEMA_GAPS
from tests.quality.bad_definitions import BAD_DEFINITIONS
from tests.quality.linters import BatchResult, asl_validator, statelint
from tests.quality.shapes_stack import shapes_template
from tests.quality.targets import machines, targets
from tests.support.synth import definitions_of

_UNKNOWN_FIELD = re.compile(r'^Field "(?P<field>\w+)" not allowed in (?P<path>State Machine\S*)$')
_PATH_STEP = re.compile(
    r"\.States\.(?P<state>[^.\[]+)|\.Branches\[(?P<branch>\d+)\]|\.(?P<processor>ItemProcessor|Iterator)"
)


@dataclass(frozen=True)
class Batch:
    """Where each definition was written, who it came from, and both linters' verdicts.

    Verdicts are keyed by file name: names carry a content digest, so a verdict computed by one
    test worker on its copy of the files applies to another worker's identical copy.
    """

    real: dict[Path, list[str]]  # unique app definition file -> "<env>/<workflow>/<machine>" labels
    fixtures: dict[Path, str]  # fixture definitions that follow every rule
    bad: dict[str, Path]  # known-bad name -> file
    documents: dict[Path, dict[str, Any]]
    asl_validator: BatchResult | None = None  # set by `linted` or `with_verdicts`
    statelint: BatchResult | None = None

    @property
    def paths(self) -> list[Path]:
        return [*self.real, *self.fixtures, *self.bad.values()]

    @property
    def digest(self) -> str:
        """Identifies the whole input set (file names carry their content digests)."""
        return hashlib.sha256("\n".join(sorted(path.name for path in self.paths)).encode()).hexdigest()[:24]

    def linted(self) -> Batch:
        """The batch with both linters run, one process each over all files."""
        paths = self.paths
        return replace(
            self, asl_validator=_by_name(asl_validator(paths)), statelint=_by_name(statelint(paths))
        )

    def verdicts_json(self) -> str:
        results = (self.asl_validator, self.statelint)
        return json.dumps([[r.tool, r.returncode, r.problems] for r in results if r is not None])

    def with_verdicts(self, text: str) -> Batch:
        asl, lint = (BatchResult(tool, code, problems) for tool, code, problems in json.loads(text))
        return replace(self, asl_validator=asl, statelint=lint)

    def problems(self, tool: str, path: Path) -> list[str]:
        result = self.asl_validator if tool == "asl-validator" else self.statelint
        if result is None:
            raise RuntimeError("the batch has not been linted yet")
        return result.problems.get(path.name, [])

    def statelint_problems(self, path: Path) -> list[str]:
        """statelint's problems minus the reviewed schema gaps (fields its schema predates)."""
        return [
            problem
            for problem in self.problems("statelint", path)
            if not is_schema_gap(problem, self.documents[path])
        ]


def _by_name(result: BatchResult) -> BatchResult:
    return replace(result, problems={Path(path).name: found for path, found in result.problems.items()})


def is_schema_gap(problem: str, document: Mapping[str, Any]) -> bool:
    """`Field "X" not allowed in <Map state>` where X is a reviewed Map field statelint does not know."""
    match = _UNKNOWN_FIELD.match(problem)
    if match is None or match.group("field") not in STATELINT_SCHEMA_GAPS:
        return False
    node: Any = document
    rest = match.group("path").removeprefix("State Machine")
    for step in _PATH_STEP.finditer(rest):
        if step.group("state"):
            node = node.get("States", {}).get(step.group("state"))
        elif step.group("branch"):
            node = node.get("Branches", [])[int(step.group("branch"))]
        else:
            node = node.get(step.group("processor"))
        if not isinstance(node, Mapping):
            return False
    consumed = "".join(step.group(0) for step in _PATH_STEP.finditer(rest))
    return consumed == rest and node.get("Type") == "Map"


def prepare_batch(directory: Path) -> Batch:
    """Write every app definition (deduplicated), the shapes fixture and the known-bad corpus."""
    documents: dict[Path, dict[str, Any]] = {}

    def write(stem: str, document: dict[str, Any]) -> Path:
        text = json.dumps(document, indent=1, sort_keys=True)
        path = directory / f"{stem}-{hashlib.sha256(text.encode()).hexdigest()[:16]}.json"
        path.write_text(text)
        documents[path] = document
        return path

    real: dict[Path, list[str]] = {}
    for target in targets():
        for machine in machines(target):
            path = write(f"{machine.target.workflow}-{machine.name}", machine.definition)
            real.setdefault(path, []).append(f"{target.label}/{machine.name}")
    fixtures = {
        write(f"fixture-shapes-{logical_id}", definition): f"fixture/shapes/{logical_id}"
        for logical_id, definition in definitions_of(shapes_template()).items()
    }
    bad = {name: write(f"bad-{name}", definition) for name, (definition, _) in BAD_DEFINITIONS.items()}
    return Batch(real, fixtures, bad, documents)
