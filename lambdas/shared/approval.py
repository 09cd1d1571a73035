"""The waiting side of a task-token approval, shared by every workflow's request-approval task.

The token is stored only KMS-encrypted, with an encryption context naming the item it belongs to
and the execution waiting (`token_context`), so only the approver role can decrypt it and only for
that item and execution (scripts/approvals.py). Reviewers get a message naming what to decide and
the commands to run, never the token: `notify` refuses a message that contains it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from shared import clients, environment

TOKEN_KEY_ENV = "APPROVAL_TOKEN_KEY"
TOPIC_ENV = "APPROVAL_TOPIC_ARN"
TIMEOUT_ENV = "APPROVAL_TIMEOUT_SECONDS"


class TokenInMessage(ValueError):
    """A notification would carry the task token in clear (a programming error)."""


def token_context(key_name: str, item_id: str, execution: str) -> dict[str, str]:
    """The KMS encryption context that binds a stored token to its item and execution."""
    return {key_name: item_id, "executionId": execution}


def encrypt_token(token: str, context: Mapping[str, str], key_variable: str = TOKEN_KEY_ENV) -> bytes:
    """The token encrypted under the key the environment variable `key_variable` names, bound to `context`."""
    response = clients.client("kms").encrypt(
        KeyId=environment.text(key_variable), Plaintext=token.encode(), EncryptionContext=dict(context)
    )
    return bytes(response["CiphertextBlob"])


def commands(script: str, item_id: str) -> dict[str, str]:
    """The approve and reject command lines a reviewer runs."""
    env = environment.text("STEPWISE_ENV", "dev")
    return {
        decision: f"python -m {script} {decision} {item_id} --env {env}" for decision in ("approve", "reject")
    }


def notify(subject: str, message: Mapping[str, Any], attributes: Mapping[str, str], token: str) -> None:
    """Publish `message` (JSON) to the approval topic; `TokenInMessage` if it contains `token`."""
    body = json.dumps(dict(message), indent=2)
    if token and (token in body or token in subject or token in attributes.values()):
        raise TokenInMessage("the approval notification must not carry the task token")
    clients.client("sns").publish(
        TopicArn=environment.text(TOPIC_ENV),
        Subject=subject[:100],
        Message=body,
        MessageAttributes={
            name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
        },
    )
