"""Two tenants submitted at once with one e-mail: AWS Organizations (emulated by localrun) lets one
account have it, so exactly one account exists, in the winner's OU, and the loser is a named failure
that created nothing and may be submitted again with another e-mail."""

from __future__ import annotations

import threading

import pytest

from localrun import RunResult
from scripts.tenants.local import activation_latency
from tests.support.worlds.tenants import MOCKS, TENANTS_OU, TIMEOUT, TenantsWorld, request


def run_at_once(harness: TenantsWorld, tenants: tuple[str, str], email: str) -> dict[str, RunResult]:
    executions = {
        tenant: harness.runner.start_execution(
            request(harness, tenant, email=email), name=f"{tenant}-1", mock_config=MOCKS
        )
        for tenant in tenants
    }
    results: dict[str, RunResult] = {}

    def wait(tenant: str) -> None:
        results[tenant] = executions[tenant].wait(timeout=TIMEOUT)

    threads = [threading.Thread(target=wait, args=(tenant,)) for tenant in tenants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("polls", [0, 2], ids=["created-at-once", "created-after-two-polls"])
def test_one_email_for_two_tenants_at_once_ends_with_exactly_one_account(
    harness: TenantsWorld, polls: int
) -> None:
    tenants = (f"stark-{polls}", f"wayne-{polls}")
    email = f"aws+shared-{polls}@example.com"
    roots_before = {a["Id"] for a in harness.organization.accounts()}

    with activation_latency(polls):
        results = run_at_once(harness, tenants, email)

    [account] = harness.accounts_with_email(email)
    assert sorted(result.status for result in results.values()) == ["FAILED", "SUCCEEDED"], [
        result.trace() for result in results.values()
    ]
    [winner] = [tenant for tenant, result in results.items() if result.status == "SUCCEEDED"]
    [loser] = [tenant for tenant in tenants if tenant != winner]
    assert results[winner].output["tenant"]["accountId"] == account["Id"]
    assert harness.organization.parent_of(account["Id"]) == TENANTS_OU
    assert {a["Id"] for a in harness.organization.accounts()} - roots_before == {account["Id"]}
    assert results[loser].error in {
        "EmailAlreadyExists",
        "AccountCreationFailed",
        "EmailBelongsToAnotherAccount",
    }
    record = harness.record(loser)
    assert record is not None
    assert record["status"] == {"S": "FAILED"}
    assert record["quarantine"] == {"S": "NO_ACCOUNT"}
    assert "accountId" not in record
    assert "QuarantineAccount" not in results[loser].states

    again = harness.run(request(harness, loser), name=f"{loser}-2")
    assert again.status == "SUCCEEDED", again.trace()
    assert again.output["created"] is True
