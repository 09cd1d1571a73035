"""The approve/reject command line every workflow's approval script shares (scripts/approvals.py
decides): `approve|reject ID [--comment|--feedback TEXT] [--env dev] [--table NAME]`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scripts.approvals import ApprovalError
from scripts.exit_codes import EXIT_CODES, EXIT_FAILED, EXIT_OK, EXIT_USAGE
from scripts.orders.stack_outputs import OutputMissing

# (item id, approve?, the note given, table name) -> what was recorded
Decide = Callable[[str, bool, str, str], dict[str, str]]


@dataclass(frozen=True)
class ApprovalCommand:
    """One workflow's approval script: its words, where its table is, and how it decides."""

    prog: str
    description: str
    subject: str  # what is approved: "the order", "the draft answer"
    item: str  # the positional id's name in usage: "order_id"
    item_help: str
    note: str  # the free-text option: "--comment", "--feedback"
    note_help: str
    table_help: str
    table: Callable[[str], str]  # environment -> table name from the stack outputs
    decide: Decide

    def parser(self) -> argparse.ArgumentParser:
        result = argparse.ArgumentParser(prog=self.prog, description=self.description, epilog=EXIT_CODES)
        result.add_argument(
            "decision", choices=["approve", "reject"], help=f"approve or reject {self.subject}"
        )
        result.add_argument("item_id", metavar=self.item, help=self.item_help)
        result.add_argument(
            self.note, dest="note", metavar=self.note.lstrip("-").upper(), default="", help=self.note_help
        )
        result.add_argument("--env", default="dev", help="environment whose stack to use")
        result.add_argument("--table", help=self.table_help)
        return result

    def main(self, argv: Sequence[str] | None = None) -> int:
        """Parse `argv`, decide, print what was recorded as JSON; the exit code."""
        args = self.parser().parse_args(argv)
        try:
            table = args.table or self.table(args.env)
            result = self.decide(args.item_id, args.decision == "approve", args.note, table)
        except OutputMissing as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_USAGE
        except ApprovalError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_FAILED
        print(json.dumps(result))
        return EXIT_OK
