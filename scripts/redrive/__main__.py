"""`python -m scripts.redrive`: list a workflow's unsuccessful executions; redrive one or all.

For orders, parked orders too: their executions wait (running) in AwaitOperator, where a redrive
cannot reach them; `list` shows each with its failed step and error, and `redrive --order ID` (or
`--all`) answers it "retry" through `scripts.orders.parked` (the saga resumes from that step).

Exit codes: 0 done (or dry run), 1 a redrive or retry failed or a named execution or order cannot
be resumed, 2 usage or configuration (unknown workflow, stack not found, bad --since, --order
outside orders).
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
from collections.abc import Sequence
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from scripts.exit_codes import EXIT_CODES, EXIT_FAILED, EXIT_OK, EXIT_USAGE
from scripts.orders.parked import ParkedOrderError
from scripts.redrive.executions import Executions, Unsuccessful
from scripts.redrive.target import WORKFLOW_STACK_NAMES, Target, TargetNotFound

DESCRIPTION = (
    "List a workflow's failed, timed-out and aborted executions with their error, and redrive them "
    "(RedriveExecution: they go on from the state that stopped them); for orders, list parked orders "
    "and retry them (they resume from the failed step). Dry run unless --apply."
)
DEFAULT_SINCE = "14d"
_DURATION = re.compile(r"^(\d+)([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


class UsageError(ValueError):
    """A bad argument value; the message says which."""


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog="python -m scripts.redrive", description=DESCRIPTION, epilog=EXIT_CODES
    )
    commands = result.add_subparsers(dest="command", required=True)
    listing = commands.add_parser(
        "list", help="list unsuccessful executions with their error and redrivability"
    )
    redrive = commands.add_parser("redrive", help="redrive executions (dry run unless --apply)")
    for command in (listing, redrive):
        command.add_argument(
            "--workflow",
            required=True,
            choices=sorted(WORKFLOW_STACK_NAMES),
            help="the workflow whose executions to read",
        )
        command.add_argument("--env", default="dev", help="environment of the deployed stack (default dev)")
        command.add_argument("--region", help="AWS region of the stack (default: your profile's)")
        command.add_argument(
            "--since",
            default=DEFAULT_SINCE,
            help="only executions stopped since: a duration (3d, 12h, 30m) or an ISO-8601 time (default 14d)",
        )
    which = redrive.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--execution", action="append", metavar="ARN", help="an execution to redrive (repeatable)"
    )
    which.add_argument(
        "--order",
        action="append",
        metavar="ORDER_ID",
        help="orders only: a parked order to retry once its cause is fixed (repeatable)",
    )
    which.add_argument(
        "--all",
        action="store_true",
        help="every redrivable execution stopped since --since (orders: and every parked order awaiting "
        "an operator)",
    )
    redrive.add_argument("--apply", action="store_true", help="redrive; without it only the plan is printed")
    return result


def parse_since(value: str, now: datetime.datetime) -> datetime.datetime:
    """`3d`/`12h`/`30m` before `now`, or an ISO-8601 time (UTC when it names no zone)."""
    match = _DURATION.match(value.strip())
    if match:
        return now - datetime.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        moment = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--since {value!r}: expected a duration (3d, 12h, 30m) or an ISO-8601 time"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def list_command(executions: Executions, since: datetime.datetime) -> int:
    found = list(executions.unsuccessful(since))
    for item in found:
        print(item.line())
    redrivable = sum(item.redrivable for item in found)
    print(f"{len(found)} unsuccessful execution(s), {redrivable} redrivable")
    parked = executions.target.parked
    if parked is not None:
        orders = parked.list()
        for order in orders:
            print(order.line())
        waiting = sum(order.waiting for order in orders)
        print(f"{len(orders)} parked order(s), {waiting} awaiting an operator (retry: redrive --order ID)")
    return EXIT_OK


def retry_parked(parked: Any, order_ids: Sequence[str] | None, *, apply: bool) -> int:
    """Answer "retry" to the named parked orders (or every one awaiting an operator)."""
    code = EXIT_OK
    chosen = []
    if order_ids:
        for order_id in order_ids:
            try:
                chosen.append(parked.get(order_id))
            except ParkedOrderError as error:
                print(f"skip {order_id}: {error}")
                code = EXIT_FAILED
    else:
        chosen = [order for order in parked.list() if order.waiting]
    for order in chosen:
        if not order.waiting:
            print(f"skip {order.order_id}: {order.line()}")
            code = EXIT_FAILED
        elif not apply:
            print(f"would retry {order.line()}")
        else:
            try:
                parked.answer(order.order_id, "retry", comment="scripts.redrive")
            except (ParkedOrderError, ClientError) as error:
                print(f"FAILED {order.order_id}: {error}")
                code = EXIT_FAILED
                continue
            print(f"retried {order.order_id}: the saga resumes from {order.step}")
    return code


def redrive_command(
    executions: Executions, since: datetime.datetime, arns: Sequence[str] | None, *, apply: bool
) -> int:
    code = EXIT_OK
    if arns:
        chosen: list[Unsuccessful] = []
        for arn in arns:
            try:
                chosen.append(executions.describe(arn))
            except ClientError as error:
                print(f"{arn}: {error.response['Error']['Code']}: {error.response['Error']['Message']}")
                code = EXIT_FAILED
    else:
        chosen = list(executions.unsuccessful(since))
    for item in chosen:
        if not item.redrivable:
            print(f"skip {item.name}: not redrivable: {item.blocker}")
            code = EXIT_FAILED if arns else code
            continue
        if not apply:
            where = item.last_state or "its unsuccessful state"
            print(f"would redrive {item.name} from {where} ({item.status}, {item.error or '-'})")
            continue
        try:
            date = executions.redrive(item)
        except ClientError as error:
            print(
                f"FAILED {item.name}: {error.response['Error']['Code']}: {error.response['Error']['Message']}"
            )
            code = EXIT_FAILED
            continue
        print(f"redriven {item.name} at {date:%Y-%m-%dT%H:%M:%SZ} (redrive {item.redrive_count + 1})")
    if not apply:
        print("dry run: nothing redriven (add --apply)")
    return code


def main(argv: Sequence[str] | None = None, *, target: Target | None = None) -> int:
    """Run the tool; `target` replaces the deployed stack (tests and local runs: `Target.local`)."""
    args = parser().parse_args(argv)
    try:
        if target is None:
            target = Target.deployed(args.workflow, args.env, boto3.session.Session(region_name=args.region))
        since = parse_since(args.since, target.now())
    except (TargetNotFound, UsageError, BotoCoreError) as error:  # BotoCoreError: no region, no credentials
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    executions = Executions(target)
    try:
        if args.command == "list":
            return list_command(executions, since)
        if args.order:
            if target.parked is None:
                print("error: --order: only the orders workflow parks orders", file=sys.stderr)
                return EXIT_USAGE
            code = retry_parked(target.parked, args.order, apply=args.apply)
            if not args.apply:
                print("dry run: nothing retried (add --apply)")
            return code
        code = redrive_command(executions, since, args.execution, apply=args.apply)
        if args.all and target.parked is not None:
            code = max(code, retry_parked(target.parked, None, apply=args.apply))
        return code
    except (ClientError, BotoCoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
