"""Transitions per tenant-provisioning run, measured on the synthesized state machine through localrun.

    .venv/bin/python -m bench.tenants [--env dev] [--activation-polls 0 4 8]

Runs every sample under examples/tenants, then the happy path with accounts that stay IN_PROGRESS
for N status reads (real accounts take minutes), and the same tenant submitted again. Prints the
billed state transitions, the simulated (virtual) time and the wall time of each run.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import warnings
from collections.abc import Sequence

from localrun.template import prepare_cdk_environment

prepare_cdk_environment()

from localrun import LocalRunner, RunResult  # noqa: E402  (after the CDK environment is prepared)
from localrun.samples import EXAMPLES_ROOT, discover  # noqa: E402
from localrun.template import workflow_stack  # noqa: E402
from scripts.exit_codes import EXIT_CODES  # noqa: E402
from scripts.tenants.local import (  # noqa: E402
    activation_latency,
    create_organization,
    create_stack_sets_from_template,
    merged_stack_set_parameters,
)

TENANTS_OU = "ou-stpw-tenants01"


def line(name: str, result: RunResult) -> str:
    outcome = result.error or result.status
    return (
        f"{name:<36} {outcome:<26} {result.transitions:>5} transitions "
        f"{result.simulated_seconds:>7.0f}s simulated {result.wall_seconds:>6.2f}s wall"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.tenants", description=__doc__.splitlines()[0], epilog=EXIT_CODES
    )
    parser.add_argument("--env", default="dev", help="environment from cdk.json (default dev)")
    parser.add_argument(
        "--activation-polls",
        type=int,
        nargs="*",
        default=[0, 4, 8],
        help="provision once per value, with account activation taking that many polls (default 0 4 8)",
    )
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", r"Tried to parse AWS::", UserWarning)
    logging.getLogger("moto").setLevel(logging.ERROR)
    stack = workflow_stack("tenants", args.env)
    settings = stack.tenants.settings  # type: ignore[attr-defined]
    ous = {
        "tenants": TENANTS_OU,
        "quarantine": settings.quarantine_ou_id,
        "suspended": settings.suspended_ou_id,
    }
    base = json.loads((EXAMPLES_ROOT / "tenants" / "provision-tenant.json").read_text())["input"]
    with merged_stack_set_parameters(), LocalRunner.for_stack(stack) as runner:
        create_organization(ous)
        create_stack_sets_from_template(runner.client("cloudformation"), runner.stack.template)
        for sample in discover(workflow="tenants"):
            print(line(f"sample {sample.name}", sample.run(runner, timeout=300)))
        for polls in args.activation_polls:
            request = {**base, "tenantId": f"bench-{polls}", "email": f"bench-{polls}@example.com"}
            with activation_latency(polls):
                result = runner.run(request, timeout=300)
            print(line(f"provision, {polls} IN_PROGRESS polls", result))
        print(line("same tenant submitted again", runner.run(base, timeout=300)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
