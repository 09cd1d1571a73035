"""`python -m scripts.redrive`: list a workflow's unsuccessful executions; redrive one or all.

Exit codes: 0 done (or dry run), 1 a redrive failed or a named execution cannot be redriven,
2 usage or configuration (unknown workflow, stack not found, bad --since).
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
from collections.abc import Sequence

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from scripts.exit_codes import EXIT_CODES, EXIT_FAILED, EXIT_OK, EXIT_USAGE
from scripts.redrive.executions import Executions, Unsuccessful
from scripts.redrive.target import WORKFLOW_STACK_NAMES, Target, TargetNotFound

DESCRIPTION = (
    "List a workflow's failed, timed-out and aborted executions with their error, and redrive them "
    "(RedriveExecution: they go on from the state that stopped them). Dry run unless --apply."
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
    which.add_argument("--all", action="store_true", help="every redrivable execution stopped since --since")
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
    return EXIT_OK


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
        return redrive_command(executions, since, args.execution, apply=args.apply)
    except (ClientError, BotoCoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
