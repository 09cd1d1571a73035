"""Session fixtures of the quality suite. The ASL linters run once per session over every definition
and cfn-lint once per template; xdist workers share the results through the session's temp root."""

from __future__ import annotations

import fcntl
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.quality.asl_batch import Batch, prepare_batch
from tests.quality.linters import LintMatch, cfn_lint
from tests.quality.targets import Target


@pytest.fixture(scope="session")
def asl_batch(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Batch:
    """Both ASL linters over every definition: run once per session by the first worker that gets
    there; a worker with the same definitions (same content digest) reuses those verdicts."""
    batch = prepare_batch(tmp_path_factory.mktemp("asl"))
    shared = _session_root(tmp_path_factory, pytestconfig) / "asl-verdicts"
    shared.mkdir(exist_ok=True)
    verdicts = shared / f"{batch.digest}.json"
    with (shared / f"{batch.digest}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not verdicts.exists():
            verdicts.write_text(batch.linted().verdicts_json())
    return batch.with_verdicts(verdicts.read_text())


def _session_root(tmp_path_factory: pytest.TempPathFactory, config: pytest.Config) -> Path:
    """A directory every xdist worker of this session shares (the per-worker basetemp's parent)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base


@pytest.fixture(scope="session")
def cfn_lint_of(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Callable[[Target], tuple[LintMatch, ...]]:
    """cfn-lint matches of a target, computed by whichever worker asks first (content-addressed)."""
    directory = _session_root(tmp_path_factory, pytestconfig) / "cfn-lint"
    directory.mkdir(exist_ok=True)

    def lint(target: Target) -> tuple[LintMatch, ...]:
        text = json.dumps(target.template, sort_keys=True)
        digest = hashlib.sha256(f"{target.region}\n{text}".encode()).hexdigest()[:24]
        result = directory / f"{digest}.json"
        with (directory / f"{digest}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not result.exists():
                matches = cfn_lint(target.template, target.region)
                result.write_text(json.dumps([[m.rule_id, m.path, m.message] for m in matches]))
        return tuple(LintMatch(*fields) for fields in json.loads(result.read_text()))

    return lint
