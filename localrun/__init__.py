"""localrun: execute Stepwise's synthesized state machines locally on moto, real handlers in-process.

    from localrun import Fault, LocalRunner

    with LocalRunner.for_workflow("orders", env="dev") as runner:   # or .for_stack(stack)
        runner.client("dynamodb").put_item(TableName=runner.resource("Orders").name, Item=...)
        result = runner.run({"orderId": "o-1"}, faults=[Fault(state="Charge", error="Declined")])
        assert result.status == "SUCCEEDED" and "Refund" in result.states
        print(result.transitions, result.simulated_seconds, result.output)

`run(...)` also takes `on_task_token=` (answer `.waitForTaskToken` tasks with an output,
`TaskFailure` or `TaskTimeout`), `mock_config=`/`test_case=` (MockConfigFile answers for
integrations nothing local can run), `state_machine=` and `timeout=`. See localrun/README.md for
the full API, the CLI (`python -m localrun`), the sample-file format, what is emulated and the
known gaps against AWS.
"""

from localrun.faults import Fault
from localrun.mocks import MockConfig
from localrun.provision import FunctionSpec, PhysicalResource
from localrun.result import RunResult
from localrun.runner import LocalExecution, LocalRunner, RunTimeout, TaskFailure, TaskTimeout
from localrun.tracking import Invocation, TaskToken

__all__ = [
    "Fault",
    "FunctionSpec",
    "Invocation",
    "LocalExecution",
    "LocalRunner",
    "MockConfig",
    "PhysicalResource",
    "RunResult",
    "RunTimeout",
    "TaskFailure",
    "TaskTimeout",
    "TaskToken",
]
