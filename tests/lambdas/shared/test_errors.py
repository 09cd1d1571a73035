"""The human part of a caught error's Cause (`shared/errors.py`)."""

from __future__ import annotations

import json

import pytest

from shared.errors import cause_message


@pytest.mark.parametrize(
    ("cause", "message"),
    [
        (
            json.dumps(
                {"errorType": "SourceUnavailable", "errorMessage": "503 from host", "stackTrace": ["x"]}
            ),
            "503 from host",
        ),
        ("States.Timeout: the task timed out", "States.Timeout: the task timed out"),
        (json.dumps(["not", "an", "object"]), '["not", "an", "object"]'),
        (json.dumps({"errorType": "NoMessage"}), '{"errorType": "NoMessage"}'),
        (None, ""),
    ],
)
def test_the_message_is_a_lambda_errors_message_or_the_cause_as_given(cause: object, message: str) -> None:
    assert cause_message(cause) == message
