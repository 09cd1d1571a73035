"""Approve or reject an agent answer that waits for a human decision, by request id.

    python -m scripts.agent.approval approve REQUEST_ID [--feedback TEXT] [--env dev]
    python -m scripts.agent.approval reject  REQUEST_ID --feedback "what to change" [--env dev]

Run it with the credentials of the agent stack's approver role (`ApproverRoleArn` output): only
that role can decrypt the task token stored (encrypted) on the request's item and send it. The
reviewer recorded is the caller's IAM principal. Approving publishes the draft; rejecting sends the
feedback back to the model for one more revision while the run has revisions left, else ends the
run `Rejected`. A request not awaiting approval, already decided, or whose stored token belongs to
another request or execution is refused.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from scripts.approval_cli import ApprovalCommand
from scripts.approvals import APPROVED, REJECTED, ApprovalError, Clients, Pending, decide
from scripts.orders.stack_outputs import stack_output

STACK_TEMPLATE = "Stepwise-{env}-Agent"
TABLE_OUTPUT = "RequestsTableName"
MAX_FEEDBACK_CHARS = 2000


def decide_request(
    request_id: str, approve: bool, *, feedback: str = "", table_name: str, clients: Clients | None = None
) -> dict[str, str]:
    """Deliver the decision for `request_id` to its waiting execution; return what was recorded."""
    if len(feedback) > MAX_FEEDBACK_CHARS:
        raise ApprovalError(f"--feedback is longer than {MAX_FEEDBACK_CHARS} characters")
    pending = Pending(table_name, "requestId", request_id, "request")
    outcome = APPROVED if approve else REJECTED
    return decide(pending, outcome, feedback, clients or Clients.default(), deliver)


def deliver(stepfunctions: Any, token: str, outcome: str, decided_at: str, feedback: str) -> None:
    """Resume RequestApproval with `{decision, feedback?}`: the graph publishes, revises or ends
    `Rejected`. Who decided stays on the request's item, out of the execution's state."""
    output: dict[str, str] = {
        "decision": "approve" if outcome == APPROVED else "reject",
        "decidedAt": decided_at,
    }
    if feedback:
        output["feedback"] = feedback
    stepfunctions.send_task_success(taskToken=token, output=json.dumps(output))


COMMAND = ApprovalCommand(
    prog="python -m scripts.agent.approval",
    description=__doc__.split("\n\n")[0],
    subject="the draft answer",
    item="request_id",
    item_help="the request waiting for approval (its requestId)",
    note="--feedback",
    note_help="what the model should change (sent back on reject)",
    table_help="requests table name (default: from the stack outputs)",
    table=lambda env: stack_output(env, TABLE_OUTPUT, template=STACK_TEMPLATE),
    decide=lambda request_id, approve, feedback, table: decide_request(
        request_id, approve, feedback=feedback, table_name=table
    ),
)


def main(argv: list[str] | None = None) -> int:
    return COMMAND.main(argv)


if __name__ == "__main__":
    sys.exit(main())
