"""Start an order saga execution whose name is derived from the order id.

    python -m scripts.orders.submit ORDER.json [--env dev] [--state-machine ARN]

Step Functions refuses a second execution with the same name (for 90 days on a Standard
workflow), so deriving the name from `orderId` makes a duplicate submission a no-op; the saga
also refuses an order id another execution already owns (`DuplicateOrder`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from scripts.exit_codes import EXIT_CODES, EXIT_USAGE
from scripts.orders.stack_outputs import OutputMissing, stack_output

ORDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def execution_name(order_id: Any) -> str:
    """`order-<orderId>`; an id that is not a valid name part is hashed (it will fail validation)."""
    if isinstance(order_id, str) and ORDER_ID.fullmatch(order_id):
        return f"order-{order_id}"
    digest = hashlib.sha256(json.dumps(order_id, sort_keys=True).encode()).hexdigest()[:32]
    return f"order-invalid-{digest}"


def order_from_file(path: Path) -> dict[str, Any]:
    """The order in a file: a bare order, or a sample file with the order under `input`."""
    data = json.loads(path.read_text())
    if isinstance(data, dict) and isinstance(data.get("input"), dict):
        return dict(data["input"])
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return data


def submit(order: dict[str, Any], state_machine_arn: str, client: Any | None = None) -> dict[str, Any]:
    """Start the saga for `order`; a repeat submission reports the existing execution."""
    client = client or boto3.client("stepfunctions")
    name = execution_name(order.get("orderId"))
    try:
        started = client.start_execution(
            stateMachineArn=state_machine_arn, name=name, input=json.dumps(order)
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
            raise
        arn = state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"
        return {"executionArn": arn, "name": name, "duplicate": True}
    return {"executionArn": started["executionArn"], "name": name, "duplicate": False}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.orders.submit", description=__doc__.split("\n\n")[0], epilog=EXIT_CODES
    )
    parser.add_argument("order", type=Path, help="order JSON (or a sample file with `input`)")
    parser.add_argument("--env", default="dev", help="environment whose stack to use (default: dev)")
    parser.add_argument("--state-machine", help="state machine ARN (default: from the stack)")
    args = parser.parse_args(argv)
    try:
        arn = args.state_machine or stack_output(args.env, "StateMachineArn")
        result = submit(order_from_file(args.order), arn)
    except (OutputMissing, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
