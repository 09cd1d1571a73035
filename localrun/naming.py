"""Deterministic physical names, shaped like the ones CloudFormation generates."""

from __future__ import annotations

import base64
import hashlib

_LIMITS = {
    "AWS::S3::Bucket": 63,
    "AWS::S3Vectors::VectorBucket": 63,
    "AWS::S3Vectors::Index": 63,
    "AWS::Lambda::Function": 64,
    "AWS::IAM::Role": 64,
    "AWS::SQS::Queue": 80,
    "AWS::StepFunctions::StateMachine": 80,
    "AWS::Events::EventBus": 256,
    "AWS::SNS::Topic": 256,
    "AWS::DynamoDB::Table": 255,
    "AWS::DynamoDB::GlobalTable": 255,
    "AWS::Logs::LogGroup": 512,
    "AWS::CloudFormation::StackSet": 128,
}
_LOWERCASE = {"AWS::S3::Bucket", "AWS::S3Vectors::VectorBucket", "AWS::S3Vectors::Index"}
_FIFO_SUFFIX = ".fifo"


def suffix(stack_name: str, logical_id: str) -> str:
    """A stable 12-character suffix standing in for CloudFormation's random one."""
    digest = hashlib.sha256(f"{stack_name}/{logical_id}".encode()).digest()
    return base64.b32encode(digest).decode()[:12]


def physical_name(stack_name: str, logical_id: str, resource_type: str, *, fifo: bool = False) -> str:
    """`<stack>-<logicalId>-<SUFFIX>`, trimmed to the service's limit (state machines omit the stack)."""
    limit = _LIMITS.get(resource_type, 64) - (len(_FIFO_SUFFIX) if fifo else 0)
    tail = suffix(stack_name, logical_id)
    parts = (
        [logical_id]
        if resource_type == "AWS::StepFunctions::StateMachine"
        else [
            stack_name,
            logical_id,
        ]
    )
    head = "-".join(parts)[: limit - len(tail) - 1]
    name = f"{head}-{tail}"
    if resource_type in _LOWERCASE:
        name = name.lower().replace("_", "-")
    return name + (_FIFO_SUFFIX if fifo else "")
