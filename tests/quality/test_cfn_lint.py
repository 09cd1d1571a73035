"""cfn-lint on every synthesized template: no errors; warnings fixed or ignored by id with a reason."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from tests.quality.allowlists import CFN_LINT_IGNORES
from tests.quality.linters import LintMatch, cfn_lint
from tests.quality.targets import Target, targets

TARGETS = targets()


def _unignored(matches) -> list[LintMatch]:
    return [match for match in matches if match.rule_id not in CFN_LINT_IGNORES]


@pytest.mark.parametrize("target", TARGETS, ids=[target.label for target in TARGETS])
def test_template_passes_cfn_lint(target: Target, cfn_lint_of: Callable[[Target], tuple[LintMatch, ...]]):
    problems = _unignored(cfn_lint_of(target))
    assert not problems, f"cfn-lint on {target.label}:\n" + "\n".join(map(str, problems))


def test_ignores_are_reasoned_warnings_still_needed(cfn_lint_of: Callable[[Target], tuple[LintMatch, ...]]):
    hit = {match.rule_id for target in TARGETS for match in cfn_lint_of(target)}
    print(f"cfn-lint: {len(TARGETS)} templates; ignored ids hit: {sorted(hit & set(CFN_LINT_IGNORES))}")
    for rule_id, reason in CFN_LINT_IGNORES.items():
        assert rule_id.startswith("W"), f"{rule_id}: only warnings may be ignored, errors are fixed"
        assert len(reason) > 40, f"{rule_id} needs a real reason"
        assert rule_id in hit, f"{rule_id} is ignored but no template triggers it: remove the ignore"


def test_cfn_lint_reports_errors_and_unignored_warnings():
    from tests.support.probe import probe_template

    template = copy.deepcopy(probe_template().to_json())
    function = next(r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function")
    function["Properties"]["Runtime"] = "python2.0"
    template["Parameters"] = {"Unused": {"Type": "String"}}
    found = {match.rule_id for match in _unignored(cfn_lint(template))}
    assert {"E3030", "W2001"} <= found
