"""Retire one tenant (dry run unless --yes).

    python -m scripts.tenants.retire TENANT_ID [--env dev] [--region eu-west-1] [--yes]

Removes the tenant's baseline stack instances, moves its account to the suspended OU, closes the
account and marks the tenant RETIRED. Unknown and already retired tenants are refused (exit 2).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from scripts.exit_codes import EXIT_FAILED, EXIT_USAGE
from scripts.tenants.deployment import DeploymentNotFound, add_arguments
from scripts.tenants.retirement import (
    RetirementFailed,
    RetirementRefused,
    Retirer,
    connect,
    print_lines,
)

EXIT_REFUSED = EXIT_USAGE  # an unknown tenant, or one not in a state to act on


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog="python -m scripts.tenants.retire", description=__doc__.split("\n\n")[0]
    )
    result.add_argument("tenant_id", help="the tenant to retire")
    add_arguments(result)
    return result


def run(tenant_id: str, retirer: Retirer, *, act: bool) -> int:
    """Plan (and with `act`, carry out) one retirement; return the process exit code."""
    try:
        plan = retirer.plan(tenant_id)
    except RetirementRefused as refusal:
        print(f"refused: {refusal}", file=sys.stderr)
        return EXIT_REFUSED
    except RetirementFailed as failure:
        if act:
            print(f"failed: {retirer.record_error(tenant_id, str(failure))}", file=sys.stderr)
        else:
            print(f"tenant {tenant_id}: would fail: {failure} (--yes records it as retirementError)")
        return EXIT_FAILED
    print_lines(plan.lines())
    if not act:
        print("dry run: nothing changed (add --yes to retire)")
        return 0
    try:
        retirer.retire(plan)
    except RetirementRefused as refusal:
        print(f"refused: {refusal}", file=sys.stderr)
        return EXIT_REFUSED
    except RetirementFailed as failure:
        print(f"failed: {failure} (tenant left RETIRING; run again to resume)", file=sys.stderr)
        return EXIT_FAILED
    print(f"tenant {tenant_id} RETIRED")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        retirer = connect(args.env, args.region)
    except DeploymentNotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return run(args.tenant_id, retirer, act=args.yes)


if __name__ == "__main__":
    sys.exit(main())
