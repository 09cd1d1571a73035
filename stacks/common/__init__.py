"""Reusable building blocks shared by every Stepwise workflow stack."""

from stacks.common.nag import acknowledge, enable_nag
from stacks.common.state_machine import ObservableStateMachine, ObservableStateMachineProps
from stacks.common.storage import encrypted_queue, encrypted_topic, secure_bucket, secure_table
from stacks.common.task_function import PythonTaskFunction, TaskFunctionProps
from stacks.common.tasks import (
    LAMBDA_RETRY,
    RetryPolicy,
    invoke_lambda,
    sdk_throttling_retry,
)
from stacks.common.workflow_stack import WorkflowStack, stack_name

__all__ = [
    "LAMBDA_RETRY",
    "ObservableStateMachine",
    "ObservableStateMachineProps",
    "PythonTaskFunction",
    "RetryPolicy",
    "TaskFunctionProps",
    "WorkflowStack",
    "acknowledge",
    "enable_nag",
    "encrypted_queue",
    "encrypted_topic",
    "invoke_lambda",
    "sdk_throttling_retry",
    "secure_bucket",
    "secure_table",
    "stack_name",
]
