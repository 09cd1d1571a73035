"""`scripts.tenants.mark` and `scripts.tenants.sweep`: mark tenants, then retire every marked one."""

from __future__ import annotations

from scripts.tenants import mark, sweep

from .conftest import ENV, SUSPENDED


def test_mark_is_a_dry_run_without_yes_and_refuses_unknown_tenants(plane, capsys) -> None:
    plane.provision("acme")
    assert mark.main(["acme", "--reason", "contract ended", "--env", ENV]) == 0
    assert "would mark tenant acme (ACTIVE) for retirement" in capsys.readouterr().out
    assert plane.record("acme")["status"]["S"] == "ACTIVE"
    assert mark.main(["ghost", "--reason", "x", "--env", ENV, "--yes"]) == mark.EXIT_REFUSED
    assert "tenant ghost is unknown" in capsys.readouterr().err


def test_sweep_retires_every_marked_tenant_and_nothing_else(plane, capsys) -> None:
    marked = {tenant: plane.provision(tenant) for tenant in ("one", "two")}
    kept = plane.provision("three")
    for tenant in marked:
        assert mark.main([tenant, "--reason", "churned", "--env", ENV, "--yes"]) == 0
    record = plane.record("one")
    assert record["status"]["S"] == "RETIREMENT_REQUESTED"
    assert record["statusBeforeRetirement"]["S"] == "ACTIVE"
    assert record["retirementReason"]["S"] == "churned"

    assert sweep.main(["--env", ENV]) == 0
    assert "dry run" in capsys.readouterr().out
    assert plane.record("one")["status"]["S"] == "RETIREMENT_REQUESTED"

    assert sweep.main(["--env", ENV, "--yes"]) == 0
    assert "sweep: 2 ok, 0 not retired" in capsys.readouterr().out
    for tenant, account_id in marked.items():
        assert plane.record(tenant)["status"]["S"] == "RETIRED"
        assert plane.account_status(account_id) == "SUSPENDED"
        assert plane.organization.parent_of(account_id) == SUSPENDED
    assert plane.record("three")["status"]["S"] == "ACTIVE"
    assert plane.account_status(kept) == "ACTIVE"


def test_sweep_resumes_interrupted_retirements_and_reports_failures(plane, capsys, monkeypatch) -> None:
    resumed = plane.provision("resumed", status="RETIRING")
    plane.register("stuck", "RETIREMENT_REQUESTED", createAccountRequestId={"S": "car-doesnotexist1"})
    assert sweep.main(["--env", ENV, "--yes", "--limit", "5"]) == 1
    captured = capsys.readouterr()
    assert "sweep: 1 ok, 1 not retired ['stuck']" in captured.out
    assert "tenant stuck: cannot plan the retirement" in captured.err
    assert plane.record("stuck")["status"]["S"] == "RETIREMENT_REQUESTED"
    assert plane.record("resumed")["status"]["S"] == "RETIRED"
    assert plane.account_status(resumed) == "SUSPENDED"


def test_an_empty_sweep_says_so(plane, capsys) -> None:
    assert sweep.main(["--env", ENV, "--yes"]) == 0
    assert "no tenant is marked for retirement" in capsys.readouterr().out
