"""The `executionLogging` key of an environment: what its state machines send to CloudWatch Logs.

Step Functions' log levels pick which execution-history event types are logged (ALL: every one;
ERROR: failures, e.g. TaskFailed, ExecutionFailed; FATAL: ExecutionFailed/Aborted/TimedOut only;
OFF: none), and `includeExecutionData` whether their input and output go with them
(https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html). The default is what staging
and prod use: failure events only, without execution data (docs/logging.md says why).
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from stacks.settings import Settings

LogLevel = Literal["ALL", "ERROR", "FATAL", "OFF"]


class ExecutionLogging(Settings):
    """A Step Functions LoggingConfiguration without its destination (each workflow has its own)."""

    level: LogLevel = "ERROR"
    include_execution_data: bool = False

    @model_validator(mode="after")
    def _data_needs_events(self) -> ExecutionLogging:
        if self.include_execution_data and self.level == "OFF":
            raise ValueError("includeExecutionData needs a level other than OFF (nothing is logged)")
        return self
