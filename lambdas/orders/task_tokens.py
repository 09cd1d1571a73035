"""Task tokens parked on an order's status item: encrypted under a key only one deciding role may
decrypt with, bound by encryption context to the order and the execution that issued them."""

from __future__ import annotations

from orders import contract
from shared import approval


def token_context(order_id: str, execution: str) -> dict[str, str]:
    """The KMS encryption context that binds a stored token to its order and execution."""
    return dict(zip(contract.TOKEN_CONTEXT_KEYS, (order_id, execution), strict=True))


def encrypt_token(key_variable: str, token: str, order_id: str, execution: str) -> bytes:
    """`token` encrypted under the key the environment variable `key_variable` names."""
    return approval.encrypt_token(token, token_context(order_id, execution), key_variable)
