"""Retire every tenant marked for retirement (dry run unless --yes); run it on a schedule.

    python -m scripts.tenants.sweep [--env dev] [--region eu-west-1] [--limit N] [--yes]

Picks up tenants in RETIREMENT_REQUESTED (see `scripts.tenants.mark`) and resumes RETIRING ones
whose retirement was interrupted. One tenant's failure (any exception, a lost connection included) is
recorded as its `retirementError` and does not stop the others; the exit code is 1 if any tenant was
not retired. The dry run prints, per tenant, the plan or why it would fail.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from botocore.exceptions import BotoCoreError, ClientError

from scripts.exit_codes import EXIT_USAGE
from scripts.tenants.deployment import DeploymentNotFound, add_arguments
from scripts.tenants.retire import EXIT_FAILED
from scripts.tenants.retire import run as retire_one
from scripts.tenants.retirement import Retirer, connect


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog="python -m scripts.tenants.sweep", description=__doc__.split("\n\n")[0]
    )
    add_arguments(result)
    result.add_argument("--limit", type=int, default=None, help="retire at most N tenants this run")
    return result


def sweep(retirer: Retirer, *, act: bool, limit: int | None = None) -> dict[str, int]:
    """Retire the marked tenants; return each tenant's exit code (0 retired or planned)."""
    marked = retirer.marked()
    if limit is not None:
        marked = marked[:limit]
    if not marked:
        print("no tenant is marked for retirement")
    return {tenant_id: _one(tenant_id, retirer, act=act) for tenant_id in marked}


def _one(tenant_id: str, retirer: Retirer, *, act: bool) -> int:
    """One tenant's retirement; whatever it raises is reported, recorded and the sweep goes on."""
    try:
        return retire_one(tenant_id, retirer, act=act)
    except Exception as error:  # one tenant's failure must not end the sweep
        reason = f"{type(error).__name__}: {error}"
        if act:
            reason = retirer.record_error(tenant_id, reason)
        print(f"failed: tenant {tenant_id}: {reason}", file=sys.stderr)
        return EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        retirer = connect(args.env, args.region)
    except DeploymentNotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        outcomes = sweep(retirer, act=args.yes, limit=args.limit)
    except (ClientError, BotoCoreError) as error:
        print(f"error: cannot list the tenants to retire: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_FAILED
    failed = sorted(tenant for tenant, code in outcomes.items() if code != 0)
    if args.yes:
        print(f"sweep: {len(outcomes) - len(failed)} ok, {len(failed)} not retired {failed or ''}")
    else:
        retired = len(outcomes) - len(failed)
        print(f"sweep (dry run): {retired} would be retired, {len(failed)} would not {failed or ''}")
    return EXIT_FAILED if failed else 0


if __name__ == "__main__":
    sys.exit(main())
