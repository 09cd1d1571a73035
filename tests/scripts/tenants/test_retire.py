"""`python -m scripts.tenants.retire`: dry run by default, full retirement with --yes, clear refusals."""

from __future__ import annotations

import pytest

from scripts.tenants import retire
from scripts.tenants.deployment import Deployment, DeploymentNotFound

from .conftest import ENV, QUARANTINE, STACK_SETS, SUSPENDED, TABLE


def test_deployment_is_read_from_the_stack_outputs(plane) -> None:
    assert plane.deployment == Deployment(
        table_name=TABLE,
        stack_sets=tuple(STACK_SETS),
        suspended_ou_id=SUSPENDED,
        quarantine_ou_id=QUARANTINE,
        baseline_regions=("us-east-1",),
        tier_defaults=plane.deployment.tier_defaults,
    )
    assert plane.deployment.tier_defaults["premium"]["supportLevel"] == "business"
    with pytest.raises(DeploymentNotFound, match="Stepwise-nope-Tenants"):
        Deployment.from_stack("nope", plane.cloudformation)


def test_dry_run_prints_the_plan_and_changes_nothing(plane, capsys) -> None:
    account_id = plane.provision("acme")
    assert retire.main(["acme", "--env", ENV]) == 0
    output = capsys.readouterr().out
    assert f"tenant acme (ACTIVE, {account_id}):" in output
    for name in STACK_SETS:
        assert f"delete the {name} stack instance(s) in us-east-1" in output
    assert f"to the suspended OU {SUSPENDED}" in output
    assert f"close account {account_id}" in output
    assert "dry run: nothing changed" in output
    assert plane.record("acme")["status"]["S"] == "ACTIVE"
    assert sorted(plane.instances(account_id)) == sorted(STACK_SETS)
    assert plane.account_status(account_id) == "ACTIVE"


def test_yes_retires_instances_account_and_record(plane, capsys) -> None:
    account_id = plane.provision("globex")
    assert retire.main(["globex", "--env", ENV, "--yes"]) == 0
    assert "tenant globex RETIRED" in capsys.readouterr().out
    assert plane.instances(account_id) == []
    assert plane.organization.parent_of(account_id) == SUSPENDED
    assert plane.account_status(account_id) == "SUSPENDED"
    record = plane.record("globex")
    assert record["status"]["S"] == "RETIRED"
    assert "retiredAt" in record and "retirementError" not in record


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (None, "tenant ghost is unknown: nothing to retire"),
        ("RETIRED", "tenant ghost is already RETIRED (at 2026-01-01T00:00:00+00:00)"),
        ("PROVISIONING", "tenant ghost is PROVISIONING: only ACTIVE, FAILED, RETIREMENT_REQUESTED"),
    ],
)
def test_unknown_retired_and_provisioning_tenants_are_refused(plane, capsys, setup, message) -> None:
    if setup:
        plane.register("ghost", setup, retiredAt={"S": "2026-01-01T00:00:00+00:00"})
    assert retire.main(["ghost", "--env", ENV, "--yes"]) == retire.EXIT_REFUSED
    assert message in capsys.readouterr().err


def test_a_failed_tenant_without_an_account_is_just_marked_retired(plane, capsys) -> None:
    plane.register("initech", "FAILED", failureError={"S": "EmailAlreadyExists"})
    assert retire.main(["initech", "--env", ENV, "--yes"]) == 0
    assert capsys.readouterr().out.splitlines()[:3] == [
        "tenant initech (FAILED, no account):",
        "  - mark tenant initech RETIRING",
        "  - mark tenant initech RETIRED",
    ]
    assert plane.record("initech")["status"]["S"] == "RETIRED"


def test_an_account_that_appeared_after_a_timed_out_activation_is_found(plane) -> None:
    status = plane.organization.client.create_account(AccountName="late", Email="aws+late@example.com")
    request_id = status["CreateAccountStatus"]["Id"]
    account_id = status["CreateAccountStatus"]["AccountId"]
    plane.register("late", "FAILED", createAccountRequestId={"S": request_id})
    assert retire.main(["late", "--env", ENV, "--yes"]) == 0
    assert plane.account_status(account_id) == "SUSPENDED"
    assert plane.organization.parent_of(account_id) == SUSPENDED


def test_a_failed_step_leaves_the_tenant_retiring_and_a_rerun_finishes(plane, capsys, monkeypatch) -> None:
    account_id = plane.provision("umbrella")
    retirer = plane.retirer()
    monkeypatch.setattr(retirer, "_close", _raise_quota)
    assert retire.run("umbrella", retirer, act=True) == retire.EXIT_FAILED
    assert "CLOSE_ACCOUNT_QUOTA_EXCEEDED" in capsys.readouterr().err
    record = plane.record("umbrella")
    assert record["status"]["S"] == "RETIRING"
    assert "CLOSE_ACCOUNT_QUOTA_EXCEEDED" in record["retirementError"]["S"]
    assert plane.instances(account_id) == []
    assert retire.run("umbrella", plane.retirer(), act=True) == 0
    assert plane.record("umbrella")["status"]["S"] == "RETIRED"
    assert plane.account_status(account_id) == "SUSPENDED"


def test_a_failed_stack_set_operation_is_reported_with_its_reason(plane, capsys, monkeypatch) -> None:
    plane.provision("hooli")
    retirer = plane.retirer()
    real = retirer.cloudformation

    class FailingOperations:
        def __getattr__(self, name):
            return getattr(real, name)

        def describe_stack_set_operation(self, **kwargs):
            return {"StackSetOperation": {"Status": "FAILED"}}

        def list_stack_set_operation_results(self, **kwargs):
            return {
                "Summaries": [
                    {"Account": "1", "Region": "us-east-1", "Status": "FAILED", "StatusReason": "role gone"}
                ]
            }

    monkeypatch.setattr(retirer, "cloudformation", FailingOperations())
    assert retire.run("hooli", retirer, act=True) == retire.EXIT_FAILED
    assert "1/us-east-1: role gone" in capsys.readouterr().err
    assert plane.record("hooli")["status"]["S"] == "RETIRING"


def _raise_quota(account_id: str) -> None:
    from botocore.exceptions import ClientError

    raise ClientError(
        {"Error": {"Code": "ConstraintViolationException", "Message": "CLOSE_ACCOUNT_QUOTA_EXCEEDED"}},
        "CloseAccount",
    )
