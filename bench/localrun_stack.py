"""The benchmark's ten-state workflow (`python -m bench.localrun_throughput`).

Four Lambda tasks (one echo handler from `bench/localrun_lambdas`), a Choice, a Wait on
`$.pause`, a Parallel with two branches, two Passes and a Succeed, built from the same shared
constructs as the workflows, so the figures reflect what a workflow run costs locally.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.common import (
    ObservableStateMachine,
    ObservableStateMachineProps,
    PythonTaskFunction,
    TaskFunctionProps,
    WorkflowStack,
    invoke_lambda,
)
from stacks.config import EnvironmentConfig

BENCHMARK_LAMBDAS = Path(__file__).resolve().parent / "localrun_lambdas"


class BenchStack(WorkflowStack):
    """Ten states (4 Lambda tasks, Choice, Wait on `$.pause`, Parallel, Pass) for the benchmark."""

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, "LocalrunBench", config.platform)
        echo = PythonTaskFunction(
            self,
            "Echo",
            TaskFunctionProps(
                platform=config.platform,
                package="benchmark",
                handler="echo.handler",
                service="localrun-bench",
                source_root=BENCHMARK_LAMBDAS,
                environment={"GREETING": "bench"},
            ),
        )
        self.functions = [echo]
        first = invoke_lambda(self, "First", echo, result_path="$.first")
        route = sfn.Choice(self, "Route")
        pause = sfn.Wait(self, "Pause", time=sfn.WaitTime.seconds_path("$.pause"))
        fan_out = (
            sfn.Parallel(self, "FanOut", result_path="$.branches")
            .branch(invoke_lambda(self, "Left", echo, result_path="$.left"))
            .branch(invoke_lambda(self, "Right", echo, result_path="$.right"))
        )
        last = invoke_lambda(self, "Last", echo, result_path="$.last")
        shape = sfn.Pass(self, "Shape", parameters={"ok.$": "$.last.greeting"})
        done = sfn.Succeed(self, "Done")
        definition = first.next(
            route.when(sfn.Condition.is_present("$.skip"), done).otherwise(
                pause.next(fan_out).next(last).next(shape).next(sfn.Pass(self, "Finish")).next(done)
            )
        )
        self.workflow = ObservableStateMachine(
            self,
            "Workflow",
            ObservableStateMachineProps(
                platform=config.platform,
                definition=definition,
                alarm_topic=self.alarm_topic,
                timeout=Duration.hours(2),
                task_functions=[echo],
            ),
        )
