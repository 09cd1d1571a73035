"""Rule TRUST: every role's trust is pinned to its callers and no ARN leaves an account or role open,
unless reviewed per role in allowlists.TRUST_FINDINGS (with the conditions that narrow it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.quality.allowlists import TRUST_FINDINGS, TRUST_SERVICES_WITHOUT_SOURCE
from tests.quality.targets import Target, targets
from tests.quality.trust import Finding, arn_wildcards, findings, render, unreviewed

TARGETS = targets()
# The IAM resources of the prod tenants template at d28cb41 (before issue 15), with the state machine
# role renamed to today's logical id so the allow-list's entries for that role apply to it.
D28CB41 = Path(__file__).resolve().parents[1] / "fixtures" / "trust" / "tenants-d28cb41.json"


def _review(workflow: str, template: dict[str, Any]) -> list[str]:
    problems, _, _ = unreviewed(workflow, findings(template), TRUST_FINDINGS, TRUST_SERVICES_WITHOUT_SOURCE)
    return problems


@pytest.mark.parametrize("target", TARGETS, ids=[target.label for target in TARGETS])
def test_trusts_are_pinned_and_no_account_or_role_is_left_open(target: Target) -> None:
    problems = _review(target.workflow, target.template)
    assert not problems, f"{target.label}:\n" + "\n".join(problems)


def test_allow_list_entries_are_needed_and_reasoned() -> None:
    """Lists every finding (run with -rP); an entry or service no template needs fails."""
    used: set[tuple[str, str]] = set()
    used_services: set[str] = set()
    for target in TARGETS:
        found = findings(target.template)
        for finding in found:
            print(f"{target.label} {finding}")
        _, roles, services = unreviewed(target.workflow, found, TRUST_FINDINGS, TRUST_SERVICES_WITHOUT_SOURCE)
        used |= roles
        used_services |= services
    assert not set(TRUST_FINDINGS) - used, f"stale, remove: {sorted(set(TRUST_FINDINGS) - used)}"
    assert not set(TRUST_SERVICES_WITHOUT_SOURCE) - used_services
    for key, entry in TRUST_FINDINGS.items():
        assert len(entry.reason) > 60, f"{key} needs a real reason"
    for service, reason in TRUST_SERVICES_WITHOUT_SOURCE.items():
        assert len(reason) > 60, f"{service} needs a real reason"


def test_the_tenants_template_before_issue_15_fails() -> None:
    template = json.loads(D28CB41.read_text())

    problems = _review("tenants", template)

    expected = [
        ("WorkflowStackSetAdministrationRole", "trusted source: any StackSet", "stackset/*"),
        (
            "WorkflowStackSetAdministrationRole",
            "any account",
            "iam::*:role/OrganizationAccountAccessRole (allow-listed only with a condition on "
            "aws:ResourceOrgPaths)",
        ),
        ("WorkflowProvisioningRole", "trusted source: any state machine", "stateMachine:*"),
        ("WorkflowProvisioningRole", "any organization", "account/o-*/*"),
        ("WorkflowProvisioningRole", "any organization", "ou/o-*/ou-*"),
        ("WorkflowProvisioningRole", "any organization", "root/o-*/r-*"),
        ("WorkflowProvisioningRole", "any OU", "MoveAccount on"),
        ("WorkflowProvisioningRole", "any member account", "organizations:MoveAccount on"),
        (
            "WorkflowProvisioningRole",
            "any member account",
            "organizations:ListParents, organizations:TagResource",
        ),
    ]
    for role, kind, detail in expected:
        assert any(problem.startswith(f"{role}: {kind}: ") and detail in problem for problem in problems), (
            f"{role} {kind} {detail} not reported:\n" + "\n".join(problems)
        )
    assert len(problems) == len(expected) + 1, "plus ListParents/TagResource in any organization"
    assert not any("any root" in problem for problem in problems), "the root is reviewed (one per org)"


@pytest.mark.parametrize(
    ("arn", "kinds"),
    [
        ("arn:aws:iam::*:role/Admin", ["any account"]),
        ("arn:aws:iam::123456789012:role/*", ["any role"]),
        ("arn:aws:iam::123456789012:role/Exact", []),
        ("arn:aws:organizations::123456789012:account/o-*/*", ["any organization", "any member account"]),
        ("arn:aws:organizations::123456789012:ou/o-abcdefghij/ou-ab12-cdefghij", []),
        ("arn:aws:organizations::123456789012:ou/o-abcdefghij/ou-*", ["any OU"]),
        ("arn:aws:states:us-east-1:123456789012:stateMachine:*", ["any state machine"]),
        ("arn:aws:cloudformation:*:123456789012:stackset/*", ["any StackSet"]),
        ("arn:aws:cloudformation:us-east-1:123456789012:stackset/Baseline-net:*", []),
        ("arn:aws:s3:::bucket/*", []),
        ("arn:aws:lambda:us-east-1:*:function:f", ["any account"]),
    ],
)
def test_wildcards_in_account_and_role_positions(arn: str, kinds: list[str]) -> None:
    assert arn_wildcards(arn) == kinds


def _trust(statement: dict[str, Any]) -> dict[str, Any]:
    role = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [statement]}}}
    return {"Resources": {"SomeRoleABCDEF12": role}}


@pytest.mark.parametrize(
    ("statement", "kinds"),
    [
        (
            {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}},
            ["service trusted for any caller"],
        ),
        (
            {
                "Effect": "Allow",
                "Principal": {"Service": "states.amazonaws.com"},
                "Condition": {
                    "ArnEquals": {"aws:SourceArn": "arn:aws:states:us-east-1:1:stateMachine:Exact"}
                },
            },
            [],
        ),
        (
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}},
            ["trusted: every principal of an account"],
        ),
        (
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            },
            [],
        ),
        ({"Effect": "Allow", "Principal": "*"}, ["trusted: anyone"]),
        ({"Effect": "Deny", "Principal": "*"}, []),
    ],
)
def test_trust_findings(statement: dict[str, Any], kinds: list[str]) -> None:
    assert [finding.kind for finding in findings(_trust(statement))] == kinds


def test_render_keeps_arn_separators_countable() -> None:
    value = {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::*:role/", {"Fn::GetAtt": ["R", "Arn"]}]]
    }
    assert render(value) == "arn:<AWS.Partition>:iam::*:role/<R.Arn>"
    assert arn_wildcards(render(value)) == ["any account"]


def test_a_reviewed_finding_without_its_condition_still_fails() -> None:
    finding = Finding("WorkflowStackSetAdministrationRole", "any account", "sts:AssumeRole on x", frozenset())
    problems, used, _ = unreviewed("tenants", [finding], TRUST_FINDINGS, {})
    assert problems and not used
