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

import argparse
import json
import sys
from typing import Any

from scripts.approvals import APPROVED, REJECTED, ApprovalError, Clients, Pending, decide
from scripts.exit_codes import EXIT_CODES, EXIT_FAILED, EXIT_USAGE
from scripts.orders.stack_outputs import OutputMissing, stack_output

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.agent.approval", description=__doc__.split("\n\n")[0], epilog=EXIT_CODES
    )
    parser.add_argument("decision", choices=["approve", "reject"], help="approve or reject the draft answer")
    parser.add_argument("request_id", help="the request waiting for approval (its requestId)")
    parser.add_argument("--feedback", default="", help="what the model should change (sent back on reject)")
    parser.add_argument("--env", default="dev", help="environment whose stack to use")
    parser.add_argument("--table", help="requests table name (default: from the stack outputs)")
    args = parser.parse_args(argv)
    try:
        table = args.table or stack_output(args.env, TABLE_OUTPUT, template=STACK_TEMPLATE)
        result = decide_request(
            args.request_id, args.decision == "approve", feedback=args.feedback, table_name=table
        )
    except OutputMissing as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ApprovalError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
