"""Reusable building blocks shared by every Stepwise workflow stack."""

from stacks.common.alarms import ALARM_PERIOD, page_on
from stacks.common.functions import TaskFunctionFactory
from stacks.common.nag import acknowledge, enable_nag
from stacks.common.platform import Platform
from stacks.common.queues import AlarmedQueue, QueueAlarm, dead_letter_queue, encrypted_queue
from stacks.common.state_machine import ObservableStateMachine, ObservableStateMachineProps
from stacks.common.storage import encrypted_topic, rotating_key, secure_bucket, secure_table
from stacks.common.task_function import PythonTaskFunction, TaskFunctionProps
from stacks.common.tasks import (
    CLOUDFORMATION_RETRY,
    CLOUDWATCH_RETRY,
    DYNAMODB_RETRY,
    EVENTBRIDGE_RETRY,
    LAMBDA_RETRY,
    ORGANIZATIONS_RETRY,
    S3_RETRY,
    SAGEMAKER_RETRY,
    SNS_RETRY,
    SQS_RETRY,
    RetryPolicy,
    invoke_lambda,
    sdk_throttling_retry,
)
from stacks.common.workflow_stack import WorkflowStack, stack_name

__all__ = [
    "ALARM_PERIOD",
    "CLOUDFORMATION_RETRY",
    "CLOUDWATCH_RETRY",
    "DYNAMODB_RETRY",
    "EVENTBRIDGE_RETRY",
    "LAMBDA_RETRY",
    "ORGANIZATIONS_RETRY",
    "S3_RETRY",
    "SAGEMAKER_RETRY",
    "SNS_RETRY",
    "SQS_RETRY",
    "AlarmedQueue",
    "ObservableStateMachine",
    "ObservableStateMachineProps",
    "Platform",
    "PythonTaskFunction",
    "QueueAlarm",
    "RetryPolicy",
    "TaskFunctionFactory",
    "TaskFunctionProps",
    "WorkflowStack",
    "acknowledge",
    "dead_letter_queue",
    "enable_nag",
    "encrypted_queue",
    "encrypted_topic",
    "invoke_lambda",
    "page_on",
    "rotating_key",
    "sdk_throttling_retry",
    "secure_bucket",
    "secure_table",
    "stack_name",
]
