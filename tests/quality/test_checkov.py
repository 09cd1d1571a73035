"""checkov (its own venv, `.venv-checkov`, installed by `make test`) on every synthesized template."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from stacks.application import PROJECT_ROOT
from tests.quality.checkov_skips import CHECKOV_SKIPS
from tests.quality.targets import targets

CHECKOV = PROJECT_ROOT / ".venv-checkov" / "bin" / "checkov"


def _checkov(*arguments: str) -> list[dict]:
    """checkov's JSON reports (one per framework) for the given target arguments."""
    assert CHECKOV.exists(), "checkov is not installed: run `make test` (it creates .venv-checkov)"
    command = [str(CHECKOV), "--skip-download", "--quiet", "--compact", "--framework", "cloudformation"]
    result = subprocess.run([*command, *arguments, "-o", "json"], capture_output=True, text=True, check=False)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    reports = json.loads(result.stdout)
    return reports if isinstance(reports, list) else [reports]


@pytest.fixture(scope="module")
def failed_checks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """check id -> the `template: resource` places it fails, over every template of every env."""
    folder = tmp_path_factory.mktemp("checkov")
    for target in targets():
        (folder / f"{target.env}-{target.workflow}.json").write_text(json.dumps(target.template))
    failures: dict[str, set[str]] = {}
    for report in _checkov("-d", str(folder)):
        for check in report["results"]["failed_checks"]:
            place = f"{Path(check['file_path']).name}: {check['resource']}"
            failures.setdefault(check["check_id"], set()).add(place)
    return failures


def test_every_failing_check_is_fixed_or_skipped_with_a_reason(failed_checks):
    unreviewed = {
        check: sorted(places)[:5] for check, places in failed_checks.items() if check not in CHECKOV_SKIPS
    }
    assert not unreviewed, f"checkov failures that are neither fixed nor in checkov_skips.py: {unreviewed}"


def test_no_skip_is_stale(failed_checks):
    stale = sorted(set(CHECKOV_SKIPS) - set(failed_checks))
    assert not stale, f"checkov_skips.py lists checks no template fails any more: {stale}"


def test_every_skip_has_a_reason():
    for check, reason in CHECKOV_SKIPS.items():
        assert len(reason) > 40, f"{check} needs a real reason"


def test_checkov_really_checks(tmp_path):
    """A bucket without encryption or public-access block must fail: the gate is not a no-op."""
    template = {"Resources": {"Open": {"Type": "AWS::S3::Bucket", "Properties": {}}}}
    (tmp_path / "bad.json").write_text(json.dumps(template))
    (report,) = _checkov("-f", str(tmp_path / "bad.json"))
    failed = {check["check_id"] for check in report["results"]["failed_checks"]}
    assert "CKV_AWS_53" in failed or "CKV_AWS_54" in failed or "CKV_AWS_56" in failed
