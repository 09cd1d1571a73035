"""A workflow's unsuccessful executions: what stopped them, whether a redrive can and should help."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from scripts.redrive.target import Target

UNSUCCESSFUL = ("FAILED", "TIMED_OUT", "ABORTED")
REDRIVABLE_PERIOD = datetime.timedelta(days=14)
CAUSE_LENGTH = 120


@dataclass(frozen=True)
class Unsuccessful:
    """One unsuccessful execution, summarized without its input, output or full cause."""

    arn: str
    name: str
    status: str
    stopped: datetime.datetime | None
    error: str
    cause: str
    last_state: str
    redrive_count: int
    blocker: str | None  # why a redrive is refused or would not help; None: redrive it

    @property
    def redrivable(self) -> bool:
        return self.blocker is None

    def line(self) -> str:
        stopped = self.stopped.strftime("%Y-%m-%dT%H:%M:%SZ") if self.stopped else "-"
        verdict = "redrivable" if self.blocker is None else f"not redrivable: {self.blocker}"
        return (
            f"{self.name}  {self.status}  stopped {stopped}  at {self.last_state or '-'}  "
            f"error {self.error or '-'}  cause {self.cause or '-'}  redrives {self.redrive_count}  {verdict}"
        )


def summarize_cause(cause: str | None) -> str:
    """The error's own words, short: a Lambda error payload gives its type and message (never its
    stack trace); anything else is cut to CAUSE_LENGTH characters. The project's handlers keep
    personal data out of error messages, so what remains names the failure, not the customer."""
    if not cause:
        return ""
    text = cause
    try:
        payload = json.loads(cause)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and "errorType" in payload:
        text = f"{payload['errorType']}: {payload.get('errorMessage', '')}"
    text = " ".join(text.split())
    return text if len(text) <= CAUSE_LENGTH else text[: CAUSE_LENGTH - 1] + "…"


class Executions:
    """Reads and redrives the unsuccessful executions of one workflow's state machines."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.sfn = target.stepfunctions

    def unsuccessful(self, since: datetime.datetime) -> Iterator[Unsuccessful]:
        """Every FAILED, TIMED_OUT or ABORTED execution that stopped at or after `since`."""
        for machine in self.target.state_machines:
            for status in UNSUCCESSFUL:
                pages = self.sfn.get_paginator("list_executions").paginate(
                    stateMachineArn=machine, statusFilter=status
                )
                for page in pages:
                    for item in page["executions"]:
                        stopped = item.get("stopDate")
                        if stopped is not None and stopped < since:
                            continue
                        yield self.describe(item["executionArn"])

    def describe(self, arn: str) -> Unsuccessful:
        """One execution's summary (any status: a SUCCEEDED one is reported as not redrivable)."""
        description = self.sfn.describe_execution(executionArn=arn)
        last_state, last_type = self._last_state(arn)
        return Unsuccessful(
            arn=arn,
            name=str(description["name"]),
            status=str(description["status"]),
            stopped=description.get("stopDate"),
            error=str(description.get("error") or ""),
            cause=summarize_cause(description.get("cause")),
            last_state=last_state,
            redrive_count=int(description.get("redriveCount", 0)),
            blocker=self._blocker(description, last_state, last_type),
        )

    def redrive(self, item: Unsuccessful) -> datetime.datetime:
        """RedriveExecution with a client token derived from the execution and its redrive count, so
        running the tool again (say, after a lost response) does not redrive twice."""
        digest = hashlib.sha256(item.arn.encode()).hexdigest()[:40]
        token = f"redrive-{item.redrive_count + 1}-{digest}"
        response = self.sfn.redrive_execution(executionArn=item.arn, clientToken=token)
        return response["redriveDate"]

    def _blocker(self, description: dict[str, Any], last_state: str, last_type: str) -> str | None:
        if description.get("redriveStatus") == "NOT_REDRIVABLE":
            return str(description.get("redriveStatusReason") or "NOT_REDRIVABLE")
        status = description["status"]
        if status not in UNSUCCESSFUL:
            return f"Execution is {status} and cannot be redriven."
        stopped = description.get("stopDate")
        if stopped is not None and self.target.now() - stopped > REDRIVABLE_PERIOD:
            return "Execution redrivable period exceeded."
        if status == "FAILED" and last_type == "FailStateEntered":
            return (
                f"it failed in the Fail state {last_state} (the error was caught and handled): "
                "a redrive re-enters that state and fails again"
            )
        return None

    def _last_state(self, arn: str) -> tuple[str, str]:
        """The last state entered (name, event type), newest events first."""
        try:
            events = self.sfn.get_execution_history(executionArn=arn, reverseOrder=True, maxResults=200)[
                "events"
            ]
        except ClientError:
            return "", ""
        for event in sorted(events, key=lambda entry: int(entry["id"]), reverse=True):
            if event["type"].endswith("StateEntered") and "stateEnteredEventDetails" in event:
                return str(event["stateEnteredEventDetails"]["name"]), str(event["type"])
        return "", ""
