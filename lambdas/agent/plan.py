"""Plan task: the first Converse turn of a run, returning the checked tool calls as `$.plan`.

Input: the run state from Validate. Output: the run state with `plan = {calls, done}` (done when the
model answered without tools) and `usage` (rounds, tokens, cost) updated.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agent import planning, runstate
from shared.task import logger, task_handler


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Ask the model to plan the task with the request's tools."""
    run = runstate.parse(event_input)
    logger.append_keys(request_id=run.request_id)
    messages = [{"role": "user", "content": [{"text": run.task}]}]
    usage = {**run.usage, "rounds": 1}
    outcome = planning.step(run.request_id, messages, run.tools, run.limits, usage)
    logger.info("planned", extra={"calls": len(outcome.calls), "done": outcome.done})
    return runstate.with_plan(event_input, outcome)
