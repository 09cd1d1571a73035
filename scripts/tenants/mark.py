"""Mark a tenant for retirement; the next sweep retires it (dry run unless --yes).

python -m scripts.tenants.mark TENANT_ID --reason "contract ended" [--env dev] [--yes]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from scripts.exit_codes import EXIT_USAGE
from scripts.tenants.deployment import DeploymentNotFound, add_arguments
from scripts.tenants.retire import EXIT_FAILED, EXIT_REFUSED
from scripts.tenants.retirement import RetirementFailed, RetirementRefused, Retirer, connect


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog="python -m scripts.tenants.mark", description=__doc__.split("\n\n")[0]
    )
    result.add_argument("tenant_id", help="the tenant to mark")
    result.add_argument("--reason", required=True, help="why the tenant is retired (recorded)")
    add_arguments(result)
    return result


def run(tenant_id: str, reason: str, retirer: Retirer, *, act: bool) -> int:
    try:
        record = retirer.record(tenant_id)
        if not act:
            retirer.plan(tenant_id)
            status = record["status"] if record else "?"
            print(f"would mark tenant {tenant_id} ({status}) for retirement: {reason}")
            print("dry run: nothing changed (add --yes to mark)")
            return 0
        retirer.mark(tenant_id, reason)
    except RetirementRefused as refusal:
        print(f"refused: {refusal}", file=sys.stderr)
        return EXIT_REFUSED
    except RetirementFailed as failure:
        print(f"failed: {failure}", file=sys.stderr)
        return EXIT_FAILED
    print(f"tenant {tenant_id} marked for retirement")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        retirer = connect(args.env, args.region)
    except DeploymentNotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return run(args.tenant_id, args.reason, retirer, act=args.yes)


if __name__ == "__main__":
    sys.exit(main())
