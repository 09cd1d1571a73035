"""`python -m scripts.tenants.retry_baseline`: the supported way back after a baseline failure."""

from __future__ import annotations

from typing import Any

import pytest

from scripts.tenants import retry_baseline
from scripts.tenants.retire import EXIT_REFUSED

from .conftest import ENV, QUARANTINE, STACK_SETS, Plane


def failed_at_baseline(plane: Plane, tenant_id: str, **overrides: Any) -> str:
    """A tenant as the workflow leaves it when ApplyBaseline fails: FAILED, account quarantined,
    only the first StackSet's instance made."""
    client = plane.organization.client
    account_id = client.create_account(AccountName=tenant_id, Email=f"aws+{tenant_id}@example.com")[
        "CreateAccountStatus"
    ]["AccountId"]
    client.move_account(
        AccountId=account_id, SourceParentId=plane.organization.root_id, DestinationParentId=QUARANTINE
    )
    first = next(iter(STACK_SETS))
    plane.cloudformation.create_stack_instances(
        StackSetName=first,
        Accounts=[account_id],
        Regions=["us-east-1"],
        ParameterOverrides=[
            {"ParameterKey": "TenantId", "ParameterValue": tenant_id},
            {"ParameterKey": "TenantTier", "ParameterValue": "premium"},
        ],
    )
    attributes = {
        "accountId": {"S": account_id},
        "organizationalUnitId": {"S": plane.organization.ous["tenants"]},
        "tier": {"S": "premium"},
        "failedStep": {"S": "ApplyBaseline"},
        "failureError": {"S": "BaselineOperationFailed"},
        "failureCause": {"S": "StackSet Stepwise-test-Tenants-tagging operation x ended FAILED"},
        "quarantine": {"S": "QUARANTINED"},
        "failedAt": {"S": "2026-01-01T00:00:00Z"},
        **overrides,
    }
    plane.register(tenant_id, "FAILED", **attributes)
    return account_id


def test_dry_run_prints_each_step_and_changes_nothing(plane, capsys) -> None:
    account_id = failed_at_baseline(plane, "initech")
    logging, tagging = STACK_SETS
    parameters = "(TenantId=initech, TenantTier=premium) and wait for it"

    assert retry_baseline.main(["initech", "--env", ENV]) == 0

    assert capsys.readouterr().out.splitlines() == [
        f"tenant initech (FAILED, {account_id}):",
        f"  - update the {logging} stack instance in us-east-1 {parameters}",
        f"  - create the {tagging} stack instance in us-east-1 {parameters}",
        f"  - move account {account_id} from {QUARANTINE} to {plane.organization.ous['tenants']}",
        "  - mark tenant initech ACTIVE (was FAILED: BaselineOperationFailed)",
        "dry run: nothing changed (add --yes to retry the baseline)",
    ]
    assert plane.record("initech")["status"]["S"] == "FAILED"
    assert plane.instances(account_id) == [logging]
    assert plane.organization.parent_of(account_id) == QUARANTINE


def test_yes_baselines_the_account_returns_it_and_activates_the_tenant(plane, capsys) -> None:
    account_id = failed_at_baseline(plane, "umbrella")

    assert retry_baseline.main(["umbrella", "--env", ENV, "--yes"]) == 0

    assert f"tenant umbrella ACTIVE in {plane.organization.ous['tenants']}" in capsys.readouterr().out
    assert sorted(plane.instances(account_id)) == sorted(STACK_SETS)
    assert plane.organization.parent_of(account_id) == plane.organization.ous["tenants"]
    record = plane.record("umbrella")
    assert record["status"]["S"] == "ACTIVE"
    assert sorted(record["baseline"]["SS"]) == sorted(STACK_SETS)
    assert record["previousFailure"]["M"]["failureError"]["S"] == "BaselineOperationFailed"
    assert record["tierDefaults"]["M"]["supportLevel"]["S"] == "business"
    assert not {"failedStep", "failureError", "quarantine", "failedAt"} & set(record)
    assert retry_baseline.main(["umbrella", "--env", ENV, "--yes"]) == EXIT_REFUSED, "done once"


@pytest.mark.parametrize(
    ("tenant_id", "overrides", "message"),
    [
        ("soylent", {"failedStep": {"S": "MoveAccount"}}, "failed step MoveAccount): only a tenant whose"),
        ("cyberdyne", {"quarantine": {"S": "QUARANTINE_FAILED"}}, "quarantine is QUARANTINE_FAILED, not"),
    ],
)
def test_other_failures_are_refused(plane, capsys, tenant_id, overrides, message) -> None:
    failed_at_baseline(plane, tenant_id, **overrides)
    assert retry_baseline.main([tenant_id, "--env", ENV, "--yes"]) == EXIT_REFUSED
    assert message in capsys.readouterr().err
    assert plane.record(tenant_id)["status"]["S"] == "FAILED"


def test_unknown_and_active_tenants_are_refused(plane, capsys) -> None:
    plane.provision("active-one")
    assert retry_baseline.main(["active-one", "--env", ENV, "--yes"]) == EXIT_REFUSED
    assert retry_baseline.main(["nobody", "--env", ENV, "--yes"]) == EXIT_REFUSED
    err = capsys.readouterr().err
    assert "tenant active-one is ACTIVE" in err and "tenant nobody is unknown" in err
