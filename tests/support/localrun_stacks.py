"""Small stacks that exercise single localrun features (child workflows, JSONata, timeouts, mocks).

The benchmark's ten-state workflow lives with the benchmarks (`bench/localrun_stack.py`).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
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

FIXTURE_LAMBDAS = Path(__file__).resolve().parents[1] / "fixtures" / "lambdas"


def _function(
    stack: WorkflowStack, config: EnvironmentConfig, construct_id: str, handler: str, **env: str
) -> PythonTaskFunction:
    return PythonTaskFunction(
        stack,
        construct_id,
        TaskFunctionProps(
            platform=config.platform,
            package="kitchen",
            handler=handler,
            service="localrun-tests",
            source_root=FIXTURE_LAMBDAS,
            environment=env,
        ),
    )


def _machine(
    stack: WorkflowStack,
    config: EnvironmentConfig,
    construct_id: str,
    definition: sfn.IChainable,
    *,
    timeout: Duration = Duration.minutes(5),
    machine_type: sfn.StateMachineType = sfn.StateMachineType.STANDARD,
    functions: list[PythonTaskFunction] | None = None,
) -> ObservableStateMachine:
    return ObservableStateMachine(
        stack,
        construct_id,
        ObservableStateMachineProps(
            platform=config.platform,
            definition=definition,
            alarm_topic=stack.alarm_topic,
            timeout=timeout,
            state_machine_type=machine_type,
            task_functions=functions or [],
        ),
    )


class FeaturesStack(WorkflowStack):
    """Parent/child workflows, JSONata, an execution timeout, an unsupported integration."""

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, "LocalrunFeatures", config.platform)
        echo = _function(self, config, "Echo", "echo.handler", GREETING="hello")
        self.functions = [echo]

        child_body = invoke_lambda(self, "Greet", echo, result_path="$.greeting").next(
            sfn.Pass(self, "ChildDone")
        )
        self.child = _machine(
            self,
            config,
            "Child",
            child_body,
            machine_type=sfn.StateMachineType.EXPRESS,
            functions=[echo],
        )
        start_child = tasks.StepFunctionsStartExecution(
            self,
            "RunChild",
            state_machine=self.child.state_machine,
            integration_pattern=sfn.IntegrationPattern.RUN_JOB,
            input=sfn.TaskInput.from_object({"name.$": "$.name"}),
            result_selector={"output.$": "$.Output", "status.$": "$.Status"},
            result_path="$.child",
        )
        self.parent = _machine(self, config, "Parent", start_child.next(sfn.Succeed(self, "ParentDone")))

        jsonata = sfn.Pass.jsonata(
            self,
            "Shape",
            outputs={"total": "{% $sum($states.input.values) %}", "first": "{% $states.input.values[0] %}"},
            assign={"seen": "{% $count($states.input.values) %}"},
        )
        report = sfn.Pass.jsonata(
            self, "Report", outputs={"total": "{% $states.input.total %}", "seen": "{% $seen %}"}
        )
        self.jsonata = _machine(self, config, "Jsonata", jsonata.next(report))

        self.timeout_machine = _machine(
            self,
            config,
            "TimesOut",
            sfn.Wait(self, "TooLong", time=sfn.WaitTime.duration(Duration.hours(2))).next(
                sfn.Succeed(self, "NeverReached")
            ),
            timeout=Duration.hours(1),
        )

        labeling = sfn.CustomState(
            self,
            "Label",
            state_json={
                "Type": "Task",
                "Resource": "arn:aws:states:::sagemaker:createLabelingJob.sync",
                "Parameters": {"LabelingJobName.$": "$.job"},
                "ResultSelector": {"status.$": "$.LabelingJobStatus"},
                "ResultPath": "$.labeling",
            },
        )
        self.labeling = _machine(self, config, "Labeling", labeling.next(sfn.Succeed(self, "Labeled")))
