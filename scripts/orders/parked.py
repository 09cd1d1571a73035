"""Parked orders: list them; once the cause is fixed, retry one (the saga resumes) or give it up.

    python -m scripts.orders.parked list [--env dev]
    python -m scripts.orders.parked retry   ORDER_ID [--comment TEXT] [--apply] [--env dev]
    python -m scripts.orders.parked give-up ORDER_ID --comment "why" [--apply] [--env dev]

An order is parked when a compensation (or settling its stock, or recording it COMPLETED) kept
failing: its execution waits in AwaitOperator for at most `parkedTimeoutDays`. Run this with the
credentials of the stack's operator role (`OperatorRoleArn` output): only that role can decrypt the
task token stored (encrypted) on the order's status item, and only it may answer it. Retry resumes
the saga at the recorded step's compensation (or settling, if the forward path had finished);
give-up ends it in NeedsAttention, the order left for manual repair. The operator recorded is the
caller's IAM principal. Without --apply, retry and give-up only say what they would do.
`python -m scripts.redrive` lists and retries parked orders too (`--workflow orders`).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from scripts.approvals import ApprovalError, Clients, Pending, Wait, decide
from scripts.exit_codes import EXIT_CODES, EXIT_FAILED, EXIT_OK, EXIT_USAGE
from scripts.orders.stack_outputs import OutputMissing, stack_output

Answer = Literal["retry", "give-up"]
NEEDS_ATTENTION = "NEEDS_ATTENTION"
# The operator's answer to AwaitOperator: attributes as lambdas/orders/task_tokens.py OPERATOR and
# the orders contract (OPERATOR_ATTRIBUTES, what the operator role may write) name them.
OPERATOR_WAIT = Wait(
    status=NEEDS_ATTENTION,
    state="parked",
    token="parkedTokenCiphertext",
    decision="parkedDecision",
    decider="parkedOperator",
    decider_id="parkedOperatorId",
    comment="parkedComment",
    decided_at="parkedDecidedAt",
    decided="answered",
    request="its wait for an operator",
    whom="an operator",
    reported=("step",),
)
LISTED = (
    "orderId, executionId, step, attentionError, parkedAt, parkedExpiresAt, parkedTokenCiphertext, "
    "parkedDecision, parkedOutcome, #status"
)


__all__ = ["Clients", "ParkedOrder", "ParkedOrderError", "ParkedOrders", "main"]


class ParkedOrderError(ApprovalError):
    """The answer could not be delivered; the message says why."""


@dataclass(frozen=True)
class ParkedOrder:
    """A NEEDS_ATTENTION order as its status item records it (no token, no customer data)."""

    order_id: str
    execution_id: str
    step: str
    error: str
    parked_at: str
    expires_at: str
    waiting: bool  # a token is stored and unanswered: retry or give-up can reach the execution
    decision: str
    outcome: str  # why it no longer waits (OperatorGaveUp, States.Timeout, ...), when it does not

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ParkedOrder:
        def text(name: str) -> str:
            return str(item.get(name, {}).get("S", ""))

        return cls(
            order_id=text("orderId"),
            execution_id=text("executionId"),
            step=text("step"),
            error=text("attentionError"),
            parked_at=text("parkedAt"),
            expires_at=text("parkedExpiresAt"),
            waiting="parkedTokenCiphertext" in item and "parkedDecision" not in item,
            decision=text("parkedDecision"),
            outcome=text("parkedOutcome"),
        )

    def line(self) -> str:
        if self.waiting:
            state = f"awaiting an operator until {self.expires_at or '-'}"
        elif self.decision:
            state = f"answered {self.decision}"
        else:
            state = f"not resumable ({self.outcome or 'no operator task waiting'})"
        execution = self.execution_id.rsplit(":", 1)[-1] or "-"
        return (
            f"parked {self.order_id}  at {self.step or '-'}  error {self.error or '-'}  "
            f"since {self.parked_at or '-'}  execution {execution}  {state}"
        )


class ParkedOrders:
    """The parked orders of one status table, answered with the operator's clients."""

    def __init__(self, table_name: str, clients: Clients) -> None:
        self.table_name = table_name
        self.clients = clients

    def list(self) -> list[ParkedOrder]:
        """Every NEEDS_ATTENTION order, oldest parking first."""
        found = []
        pages = self.clients.dynamodb.get_paginator("scan").paginate(
            TableName=self.table_name,
            ConsistentRead=True,
            FilterExpression="#status = :status",
            ProjectionExpression=LISTED,
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":status": {"S": NEEDS_ATTENTION}},
        )
        for page in pages:
            found += [ParkedOrder.from_item(item) for item in page["Items"]]
        return sorted(found, key=lambda order: (order.parked_at, order.order_id))

    def get(self, order_id: str) -> ParkedOrder:
        """The order's parking as recorded; `ParkedOrderError` if it is not parked."""
        return _parked(self._item(order_id), order_id)

    def answer(self, order_id: str, answer: Answer, *, comment: str = "") -> dict[str, str]:
        """Deliver `answer` to the order's waiting execution (as the operator's clients' caller);
        return what was recorded."""
        pending = Pending(self.table_name, "orderId", order_id, "order", OPERATOR_WAIT)
        decision = "RETRY" if answer == "retry" else "GIVE_UP"
        try:
            recorded = decide(pending, decision, comment, self.clients, _deliver)
        except ApprovalError as error:
            raise ParkedOrderError(str(error)) from None
        return {name: recorded[name] for name in ("orderId", "decision", "step", "decidedAt")}

    def _item(self, order_id: str) -> dict[str, Any]:
        key = {"orderId": {"S": order_id}}
        item = self.clients.dynamodb.get_item(TableName=self.table_name, Key=key, ConsistentRead=True).get(
            "Item"
        )
        if item is None:
            raise ParkedOrderError(f"order {order_id} is unknown")
        return dict(item)


def _deliver(stepfunctions: Any, token: str, decision: str, decided_at: str, comment: str) -> None:
    """Resume AwaitOperator with `{decision, decidedAt}`; who answered and why stay on the item."""
    payload = json.dumps({"decision": decision, "decidedAt": decided_at})
    stepfunctions.send_task_success(taskToken=token, output=payload)


def _parked(item: dict[str, Any], order_id: str) -> ParkedOrder:
    status = item.get("status", {}).get("S", "?")
    if status != NEEDS_ATTENTION:
        raise ParkedOrderError(f"order {order_id} is {status}, not parked")
    return ParkedOrder.from_item(item)


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog="python -m scripts.orders.parked", description=__doc__.split("\n\n")[0], epilog=EXIT_CODES
    )
    commands = result.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="list parked orders with their step, error and state")
    retry = commands.add_parser("retry", help="resume a parked order's saga (dry run unless --apply)")
    give_up = commands.add_parser(
        "give-up", help="end a parked order's saga as NeedsAttention (dry run unless --apply)"
    )
    for command in (listing, retry, give_up):
        command.add_argument("--env", default="dev", help="environment whose stack to use (default dev)")
        command.add_argument("--table", help="status table name (default: from the stack outputs)")
    for command in (retry, give_up):
        command.add_argument("order_id", help="the parked order (its orderId)")
        command.add_argument(
            "--apply", action="store_true", help="answer; without it only the plan is printed"
        )
    retry.add_argument("--comment", default="", help="a note recorded with the answer (what was fixed)")
    give_up.add_argument("--comment", required=True, help="why the order is given up (recorded with it)")
    return result


def run(args: argparse.Namespace, orders: ParkedOrders) -> int:
    """Carry out a parsed command against `orders`."""
    if args.command == "list":
        found = orders.list()
        for parked in found:
            print(parked.line())
        print(f"{len(found)} parked order(s), {sum(p.waiting for p in found)} awaiting an operator")
        return EXIT_OK
    if not args.apply:
        parked = orders.get(args.order_id)
        verb = "resume" if args.command == "retry" else "give up"
        print(f"would {verb} {parked.line()}")
        print("dry run: nothing answered (add --apply)")
        return EXIT_OK if parked.waiting else EXIT_FAILED
    print(json.dumps(orders.answer(args.order_id, args.command, comment=args.comment)))
    return EXIT_OK


def main(argv: list[str] | None = None, *, orders: ParkedOrders | None = None) -> int:
    """Run the tool; `orders` replaces the deployed stack's (tests and local runs)."""
    args = parser().parse_args(argv)
    try:
        if orders is None:
            orders = ParkedOrders(args.table or stack_output(args.env, "StatusTableName"), Clients.default())
        return run(args, orders)
    except (OutputMissing, BotoCoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (ParkedOrderError, ClientError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
