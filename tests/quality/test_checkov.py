"""checkov (its own venv, `.venv-checkov`, installed by `make test`) on every synthesized template."""

from __future__ import annotations

import json
import subprocess
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from stacks.application import PROJECT_ROOT
from tests.quality.checkov_skips import CHECKOV_SKIPS, is_skipped
from tests.quality.targets import machine_name, targets

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
    """check id -> the `<workflow>:<Type>.<logical id without hash>` resources it fails, over every
    template of every environment."""
    folder = tmp_path_factory.mktemp("checkov")
    for target in targets():
        (folder / f"{target.env}--{target.workflow}.json").write_text(json.dumps(target.template))
    failures: dict[str, set[str]] = {}
    for report in _checkov("-d", str(folder)):
        for check in report["results"]["failed_checks"]:
            failures.setdefault(check["check_id"], set()).add(_resource(check))
    return failures


def _resource(check: dict) -> str:
    workflow = Path(check["file_path"]).stem.split("--", 1)[1]
    resource_type, logical_id = check["resource"].split(".", 1)
    return f"{workflow}:{resource_type}.{machine_name(logical_id)}"


def test_every_failing_check_is_fixed_or_skipped_with_a_reason(failed_checks):
    unreviewed = {
        check: sorted(place for place in places if not is_skipped(check, place))[:5]
        for check, places in failed_checks.items()
    }
    unreviewed = {check: places for check, places in unreviewed.items() if places}
    assert not unreviewed, f"checkov failures not fixed and not in checkov_skips.py: {unreviewed}"


def test_no_skip_is_stale(failed_checks):
    stale = [
        f"{check} {pattern}"
        for check, skip in CHECKOV_SKIPS.items()
        for pattern in skip.resources
        if not any(
            skip.covers(place) and fnmatchcase(place, pattern) for place in failed_checks.get(check, ())
        )
    ]
    assert not stale, f"checkov_skips.py covers resources no template fails any more: {stale}"


def test_every_skip_has_a_reason_and_names_its_resources():
    for check, skip in CHECKOV_SKIPS.items():
        assert len(skip.reason) > 40, f"{check} needs a real reason"
        assert skip.resources, f"{check} must name the resources it covers"


def test_a_skip_covers_only_the_resources_it_names():
    """The versioning skip is for the working buckets: any other bucket without versioning fails."""
    assert is_skipped("CKV_AWS_21", "rag:AWS::S3::Bucket.WorkflowArtifacts")
    assert not is_skipped("CKV_AWS_21", "rag:AWS::S3::Bucket.WorkflowSources")
    assert not is_skipped("CKV_AWS_18", "cv:AWS::S3::Bucket.WorkflowData")
    assert not is_skipped("CKV_AWS_999", "rag:AWS::S3::Bucket.WorkflowArtifacts")


def test_checkov_really_checks(tmp_path):
    """A bucket without encryption or public-access block must fail: the gate is not a no-op."""
    template = {"Resources": {"Open": {"Type": "AWS::S3::Bucket", "Properties": {}}}}
    (tmp_path / "bad.json").write_text(json.dumps(template))
    (report,) = _checkov("-f", str(tmp_path / "bad.json"))
    failed = {check["check_id"] for check in report["results"]["failed_checks"]}
    assert "CKV_AWS_53" in failed or "CKV_AWS_54" in failed or "CKV_AWS_56" in failed
