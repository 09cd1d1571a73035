"""Retry the baseline of a tenant whose baseline failed (dry run unless --yes).

    python -m scripts.tenants.retry_baseline TENANT_ID [--env dev] [--region eu-west-1] [--yes]

Re-applies every baseline StackSet to the tenant's quarantined account, moves the account back to
the tenant's OU and marks the tenant ACTIVE. Only a tenant FAILED at ApplyBaseline with its account
QUARANTINED qualifies; anything else is refused (exit 2). A failing step leaves the tenant FAILED and
quarantined with `baselineRetryError` (exit 1); running again resumes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import boto3

from scripts.exit_codes import EXIT_USAGE
from scripts.tenants.deployment import Deployment, DeploymentNotFound, add_arguments
from scripts.tenants.rebaseline import BaselineRetrier, RetryFailed, RetryRefused
from scripts.tenants.retire import EXIT_FAILED, EXIT_REFUSED


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog="python -m scripts.tenants.retry_baseline", description=__doc__.split("\n\n")[0]
    )
    result.add_argument("tenant_id", help="the tenant whose baseline failed")
    add_arguments(result)
    return result


def run(tenant_id: str, retrier: BaselineRetrier, *, act: bool) -> int:
    """Plan (and with `act`, carry out) one baseline retry; return the process exit code."""
    try:
        plan = retrier.plan(tenant_id)
    except RetryRefused as refusal:
        print(f"refused: {refusal}", file=sys.stderr)
        return EXIT_REFUSED
    except RetryFailed as failure:
        print(f"failed: {failure}", file=sys.stderr)
        return EXIT_FAILED
    for line in plan.lines(retrier.deployment.quarantine_ou_id):
        print(line)
    if not act:
        print("dry run: nothing changed (add --yes to retry the baseline)")
        return 0
    try:
        retrier.retry(plan)
    except RetryFailed as failure:
        print(f"failed: {failure} (tenant left FAILED and quarantined; run again)", file=sys.stderr)
        return EXIT_FAILED
    print(f"tenant {tenant_id} ACTIVE in {plan.destination_ou}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    session = boto3.session.Session(region_name=args.region)
    try:
        deployment = Deployment.from_stack(args.env, session.client("cloudformation"))
    except DeploymentNotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return run(args.tenant_id, BaselineRetrier(deployment, session=session), act=args.yes)


if __name__ == "__main__":
    sys.exit(main())
