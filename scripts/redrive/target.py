"""Where the tool works: a deployed workflow stack (boto3) or a LocalRunner (tests, local runs)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

PROJECT_NAME = "Stepwise"
# The stack suffix of each workflow key (`WORKFLOW_NAME` of its stack in stacks/<workflow>/stack.py;
# kept here so the tool does not import the CDK app).
WORKFLOW_STACK_NAMES = {"cv": "CvSafety", "orders": "Orders", "rag": "Rag", "tenants": "Tenants"}
STATE_MACHINE_TYPE = "AWS::StepFunctions::StateMachine"


class TargetNotFound(LookupError):
    """The workflow, its stack or its state machines could not be found."""


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(tz=datetime.UTC)


@dataclass(frozen=True)
class Target:
    """A Step Functions client, the workflow's state machine ARNs and the current time; for orders,
    also its parked orders (`scripts.orders.parked.ParkedOrders`), which wait running, not failed."""

    stepfunctions: Any
    state_machines: tuple[str, ...]
    now: Callable[[], datetime.datetime] = utc_now
    parked: Any = None

    @classmethod
    def deployed(cls, workflow: str, env: str, session: Any) -> Target:
        """The state machines of `Stepwise-<env>-<Workflow>`, read from its stack resources."""
        if workflow not in WORKFLOW_STACK_NAMES:
            raise TargetNotFound(
                f"unknown workflow {workflow!r} (known: {', '.join(sorted(WORKFLOW_STACK_NAMES))})"
            )
        stack = f"{PROJECT_NAME}-{env}-{WORKFLOW_STACK_NAMES[workflow]}"
        cloudformation = session.client("cloudformation")
        try:
            pages = cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack)
            arns = tuple(
                resource["PhysicalResourceId"]
                for page in pages
                for resource in page["StackResourceSummaries"]
                if resource["ResourceType"] == STATE_MACHINE_TYPE
            )
        except (ClientError, BotoCoreError) as error:
            raise TargetNotFound(f"stack {stack} not readable: {error}") from None
        if not arns:
            raise TargetNotFound(f"stack {stack} has no state machine")
        parked = _parked_orders(env, session, cloudformation) if workflow == "orders" else None
        return cls(stepfunctions=session.client("stepfunctions"), state_machines=arns, parked=parked)

    @classmethod
    def local(cls, runner: Any, parked: Any = None) -> Target:
        """A LocalRunner's state machines, on its moto and its calendar (`runner.pass_time`)."""
        from localrun.clock import calendar_now

        return cls(
            stepfunctions=runner.client("stepfunctions"),
            state_machines=tuple(runner.state_machines.values()),
            now=calendar_now,
            parked=parked,
        )


def _parked_orders(env: str, session: Any, cloudformation: Any) -> Any:
    """The deployed order saga's parked orders, read and answered with the session's credentials."""
    from scripts.orders.parked import Clients, ParkedOrders
    from scripts.orders.stack_outputs import OutputMissing, stack_output

    try:
        table = stack_output(env, "StatusTableName", cloudformation=cloudformation)
    except OutputMissing as error:
        raise TargetNotFound(str(error)) from None
    return ParkedOrders(table, Clients.default(session))
