"""How the tool summarizes a failure: the error's own words, short, never a stack trace."""

from __future__ import annotations

import json

from scripts.redrive.executions import CAUSE_LENGTH, summarize_cause


def test_a_lambda_error_payload_gives_its_type_and_message_without_the_stack_trace() -> None:
    payload = {
        "errorMessage": "payment service unavailable",
        "errorType": "PaymentUnavailable",
        "requestId": "r-1",
        "stackTrace": ['  File "/var/task/orders/charge.py", line 50, in handler\n'],
    }
    summary = summarize_cause(json.dumps(payload))
    assert summary == "PaymentUnavailable: payment service unavailable"


def test_a_long_cause_is_cut_and_whitespace_folded() -> None:
    summary = summarize_cause("step failed:\n" + "x" * 500)
    assert len(summary) == CAUSE_LENGTH and summary.startswith("step failed: xxx") and summary.endswith("…")


def test_no_cause_is_empty() -> None:
    assert summarize_cause(None) == "" and summarize_cause("") == ""
