"""Approve or reject an order that waits for a human decision, by order id.

    python -m scripts.orders.approval approve ORDER_ID [--comment TEXT] [--env dev]
    python -m scripts.orders.approval reject  ORDER_ID --comment "why" [--env dev]

Run it with the credentials of the stack's approver role (`ApproverRoleArn` output): only that
role can decrypt the task token stored (encrypted) on the order's status item, and only it may
call SendTaskSuccess/SendTaskFailure. The reviewer recorded is the caller's IAM principal, as
`sts:GetCallerIdentity` reports it. Approving resumes the saga; rejecting fails the waiting task
with `OrderRejected`, which releases the reserved stock and records the order as REJECTED. An order
not awaiting approval, already decided, or whose stored token does not belong to it (another
order's or an earlier execution's) is refused.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Literal

from scripts.approval_cli import ApprovalCommand
from scripts.approvals import APPROVED, REJECTED, ApprovalError, Clients, Pending
from scripts.approvals import decide as decide_pending
from scripts.orders.stack_outputs import stack_output

__all__ = ["ApprovalError", "Clients", "decide", "main"]

Decision = Literal["approve", "reject"]


def decide(
    order_id: str, decision: Decision, *, comment: str = "", table_name: str, clients: Clients | None = None
) -> dict[str, str]:
    """Deliver `decision` for `order_id` to its waiting execution; return what was recorded."""
    pending = Pending(table_name, "orderId", order_id, "order")
    outcome = APPROVED if decision == "approve" else REJECTED
    return decide_pending(pending, outcome, comment, clients or Clients.default(), _deliver)


def _deliver(stepfunctions: Any, token: str, outcome: str, decided_at: str, comment: str) -> None:
    """Resume the waiting task: success carries the decision, failure is `OrderRejected`. Who decided
    and why stay on the status item, out of the execution's state and logs."""
    if outcome == APPROVED:
        stepfunctions.send_task_success(
            taskToken=token, output=json.dumps({"decision": outcome, "decidedAt": decided_at})
        )
    else:
        stepfunctions.send_task_failure(
            taskToken=token,
            error="OrderRejected",
            cause=f"Rejected at {decided_at}; the reviewer and comment are on the order's status item",
        )


COMMAND = ApprovalCommand(
    prog="python -m scripts.orders.approval",
    description=__doc__.split("\n\n")[0],
    subject="the order",
    item="order_id",
    item_help="the order waiting for approval (its orderId)",
    note="--comment",
    note_help="a note recorded with the decision",
    table_help="status table name (default: from the stack outputs)",
    table=lambda env: stack_output(env, "StatusTableName"),
    decide=lambda order_id, approve, comment, table: decide(
        order_id, "approve" if approve else "reject", comment=comment, table_name=table
    ),
)


def main(argv: list[str] | None = None) -> int:
    return COMMAND.main(argv)


if __name__ == "__main__":
    sys.exit(main())
