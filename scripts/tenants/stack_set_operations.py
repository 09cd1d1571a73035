"""Waiting for a StackSet operation the tenant scripts started, with the failure's reasons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FINISHED_OPERATION = {"SUCCEEDED"}
FAILED_OPERATION = {"FAILED", "STOPPED"}


def wait_for_operation(
    cloudformation: Any,
    stack_set: str,
    operation_id: str,
    *,
    max_polls: int,
    poll_seconds: float,
    sleep: Callable[[float], None],
    failure: type[Exception],
) -> None:
    """Poll until the operation succeeds; raise `failure` with each instance's reason when it fails
    or is stopped, or when it is still running after `max_polls` polls."""
    for _ in range(max_polls):
        status = cloudformation.describe_stack_set_operation(
            StackSetName=stack_set, OperationId=operation_id
        )["StackSetOperation"]["Status"]
        if status in FINISHED_OPERATION:
            return
        if status in FAILED_OPERATION:
            results = cloudformation.list_stack_set_operation_results(
                StackSetName=stack_set, OperationId=operation_id
            )["Summaries"]
            reasons = "; ".join(
                f"{item['Account']}/{item['Region']}: {item.get('StatusReason', item['Status'])}"
                for item in results
            )
            raise failure(f"{stack_set} operation {operation_id} {status}: {reasons}")
        sleep(poll_seconds)
    raise failure(f"{stack_set} operation {operation_id} still running after {max_polls} polls")
