"""`scripts.tenants.mark` and `scripts.tenants.sweep`: mark tenants, then retire every marked one."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import EndpointConnectionError

from scripts.tenants import mark, sweep
from scripts.tenants.retirement import Retirer

from .conftest import ENV, SUSPENDED, Plane


def unreachable_for(plane: Plane, monkeypatch: Any, operation: str, account_id: str) -> Retirer:
    """The sweep's Retirer, whose Organizations `operation` on `account_id` cannot connect."""
    retirer = plane.retirer()

    def refuse(params: dict[str, Any], **_: Any) -> None:
        if account_id in (params.get("ChildId"), params.get("AccountId")):
            raise EndpointConnectionError(endpoint_url="https://organizations.us-east-1.amazonaws.com/")

    retirer.organizations.meta.events.register(f"provide-client-params.organizations.{operation}", refuse)
    monkeypatch.setattr(sweep, "connect", lambda env, region: retirer)
    return retirer


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
    stuck = plane.record("stuck")
    assert stuck["status"]["S"] == "RETIREMENT_REQUESTED"
    assert "cannot plan the retirement" in stuck["retirementError"]["S"]
    assert plane.record("resumed")["status"]["S"] == "RETIRED"
    assert plane.account_status(resumed) == "SUSPENDED"


def test_an_empty_sweep_says_so(plane, capsys) -> None:
    assert sweep.main(["--env", ENV, "--yes"]) == 0
    assert "no tenant is marked for retirement" in capsys.readouterr().out


def test_a_lost_connection_while_planning_one_tenant_is_recorded_and_the_sweep_goes_on(
    plane, capsys, monkeypatch
) -> None:
    first = plane.provision("alpha", status="RETIREMENT_REQUESTED")
    second = plane.provision("beta", status="RETIREMENT_REQUESTED")
    unreachable_for(plane, monkeypatch, "ListParents", first)

    assert sweep.main(["--env", ENV, "--yes"]) == 1

    captured = capsys.readouterr()
    assert "sweep: 1 ok, 1 not retired ['alpha']" in captured.out
    alpha = plane.record("alpha")
    assert alpha["status"]["S"] == "RETIREMENT_REQUESTED"
    assert "EndpointConnectionError" in alpha["retirementError"]["S"]
    assert plane.organization.parent_of(first) != SUSPENDED
    assert plane.record("beta")["status"]["S"] == "RETIRED"
    assert plane.account_status(second) == "SUSPENDED"


def test_a_lost_connection_midway_leaves_that_tenant_retiring_with_the_reason(
    plane, capsys, monkeypatch
) -> None:
    first = plane.provision("gamma", status="RETIREMENT_REQUESTED")
    second = plane.provision("delta", status="RETIREMENT_REQUESTED")
    unreachable_for(plane, monkeypatch, "MoveAccount", second)

    assert sweep.main(["--env", ENV, "--yes"]) == 1

    assert "sweep: 1 ok, 1 not retired ['delta']" in capsys.readouterr().out
    delta = plane.record("delta")
    assert delta["status"]["S"] == "RETIRING"
    assert delta["retirementError"]["S"].startswith("EndpointConnectionError: Could not connect")
    assert plane.instances(second) == [], "the steps before the lost connection stay done"
    assert plane.record("gamma")["status"]["S"] == "RETIRED"
    assert plane.account_status(first) == "SUSPENDED"

    monkeypatch.undo()
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    assert sweep.main(["--env", ENV, "--yes"]) == 0, "running again resumes"
    assert plane.record("delta")["status"]["S"] == "RETIRED"
    assert "retirementError" not in plane.record("delta")


def test_the_dry_run_prints_what_would_happen_to_each_tenant(plane, capsys, monkeypatch) -> None:
    broken = plane.provision("epsilon", status="RETIREMENT_REQUESTED")
    fine = plane.provision("zeta", status="RETIREMENT_REQUESTED")
    unreachable_for(plane, monkeypatch, "ListParents", broken)

    assert sweep.main(["--env", ENV]) == 1

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("tenant epsilon: would fail: tenant epsilon: cannot plan the retirement: ")
    assert out[0].endswith("(--yes records it as retirementError)")
    assert out[1:] == [
        f"tenant zeta (RETIREMENT_REQUESTED, {fine}):",
        "  - mark tenant zeta RETIRING",
        "  - delete the Stepwise-test-Tenants-logging stack instance(s) in us-east-1",
        "  - delete the Stepwise-test-Tenants-tagging stack instance(s) in us-east-1",
        f"  - move account {fine} from {plane.organization.ous['tenants']} to the suspended OU {SUSPENDED}",
        f"  - close account {fine}",
        "  - mark tenant zeta RETIRED",
        "dry run: nothing changed (add --yes to retire)",
        "sweep (dry run): 1 would be retired, 1 would not ['epsilon']",
    ]
    for tenant in ("epsilon", "zeta"):
        record = plane.record(tenant)
        assert record["status"]["S"] == "RETIREMENT_REQUESTED" and "retirementError" not in record
