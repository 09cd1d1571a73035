"""LocalRunner: deploy a synthesized stack into moto and run its state machines end to end."""

from __future__ import annotations

import datetime
import itertools
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from localrun import clients, engine, iam, tracking
from localrun.clock import calendar
from localrun.emulation.converse import BedrockScript
from localrun.engine import item_batcher, lambda_backend
from localrun.engine.execution import forget_tokens, register_state_machine, time_out_task
from localrun.faults import Fault, FaultPlan
from localrun.iam import enforcement
from localrun.intrinsics import CrossStack, Pseudo
from localrun.lambda_runtime import LambdaRuntime
from localrun.mocks import MockConfig
from localrun.provision import Deployment, FunctionSpec, PhysicalResource, provision
from localrun.result import RunResult, build_result
from localrun.template import StackTemplate, synthesize, workflow_stack

if TYPE_CHECKING:
    from aws_cdk import Stack

MOTO_CONFIG: dict[str, Any] = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
    "core": {"reset_boto3_session": True},
}
DEFAULT_TIMEOUT_SECONDS = 60.0
_names = itertools.count(1)


# Stack names provisioned in the current moto world. moto keeps every runner's data until the
# last active mock stops, so a name stays taken until then, not only while its runner is open.
_world_stacks: set[str] = set()
_open_runners = 0
_active_lock = threading.Lock()
_starting = threading.Lock()  # registers a run and starts its execution as one step


def _claim_stack_name(name: str) -> str:
    """The stack's name, or `<name>-2`, `-3`... while the moto world already holds a stack of that
    name (as two CloudFormation stacks would need distinct names), so their resources do not collide."""
    with _active_lock:
        candidate, number = name, 1
        while candidate in _world_stacks:
            number += 1
            candidate = f"{name}-{number}"
        _world_stacks.add(candidate)
        return candidate


def _runner_opened() -> None:
    global _open_runners
    with _active_lock:
        _open_runners += 1


def _runner_closed() -> None:
    """The last open runner closing ends the moto world: every name is free again."""
    global _open_runners
    with _active_lock:
        _open_runners -= 1
        if _open_runners == 0:
            _world_stacks.clear()


class RunTimeout(TimeoutError):
    """The execution did not finish within the run's wall-clock timeout (it was stopped)."""


@dataclass(frozen=True)
class TaskFailure:
    """Return this from an `on_task_token` callback to answer with SendTaskFailure."""

    error: str
    cause: str = ""


@dataclass(frozen=True)
class TaskTimeout:
    """Return this from an `on_task_token` callback to let the task time out (virtual time)."""


TaskAnswer = Mapping[str, Any] | list[Any] | TaskFailure | TaskTimeout | None
TaskTokenCallback = Callable[[tracking.TaskToken], TaskAnswer]


class LocalExecution:
    """A started run: answer its task tokens, then `wait()` for the RunResult."""

    def __init__(self, runner: LocalRunner, run: tracking.RunContext, started: float) -> None:
        self.runner = runner
        self.run = run
        self._started = started

    @property
    def execution_arn(self) -> str:
        return self.run.execution_arn

    def pending_tokens(self) -> list[tracking.TaskToken]:
        """Task tokens issued so far (answered or not), in order."""
        return list(self.run.tokens)

    def wait_for_task_token(self, state: str, timeout: float = 10.0) -> str:
        """Block until the `.waitForTaskToken` state `state` has issued a token; return it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for token in self.run.tokens:
                if token.state == state:
                    return token.token
            if self.run.finished.wait(0.002):
                break
        raise RunTimeout(f"no task token from state {state!r} within {timeout}s")

    def wait(
        self,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        on_task_token: TaskTokenCallback | None = None,
    ) -> RunResult:
        """Wait for the execution to finish (answering tokens via `on_task_token`) and report."""
        deadline = time.monotonic() + timeout
        answered: set[str] = set()
        interval = 0.002 if on_task_token is not None else None
        while True:
            if on_task_token is not None:
                self._answer(on_task_token, answered)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.runner.client("stepfunctions").stop_execution(
                    executionArn=self.execution_arn, error="localrun.Timeout"
                )
                self.run.finished.wait(1.0)
                self._forget()
                raise RunTimeout(f"{self.execution_arn} still running after {timeout}s (stopped)")
            if self.run.finished.wait(min(remaining, interval or remaining)):
                break
        try:
            return self.runner._result(self.run, time.monotonic() - self._started)
        finally:
            self._forget()

    def _forget(self) -> None:
        forget_tokens([token.token for token in self.run.tokens])
        tracking.unregister(self.run)

    def _answer(self, callback: TaskTokenCallback, answered: set[str]) -> None:
        """Answer each new token through `callback`. A token whose task is no longer waiting (it
        failed after handing the token out, e.g. a lost response, and was retried) is refused by
        Step Functions (`InvalidToken`, `TaskTimedOut`, `TaskDoesNotExist`), as on AWS; that answer
        is dropped and the run goes on."""
        for token in list(self.run.tokens):
            if token.token in answered:
                continue
            answered.add(token.token)
            answer = callback(token)
            if answer is None:
                continue
            try:
                if isinstance(answer, TaskFailure):
                    self.runner.send_task_failure(token.token, answer.error, answer.cause)
                elif isinstance(answer, TaskTimeout):
                    self.runner.time_out_task(token.token)
                else:
                    self.runner.send_task_success(token.token, answer)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") not in STALE_TOKEN_ERRORS:
                    raise


STALE_TOKEN_ERRORS = frozenset({"InvalidToken", "TaskTimedOut", "TaskDoesNotExist"})


class LocalRunner:
    """Runs the state machines of one synthesized stack on moto, with real in-process handlers.

    Use as a context manager: entering starts moto and provisions the stack's resources,
    leaving discards them.
    """

    def __init__(
        self,
        stack: StackTemplate,
        *,
        region: str | None = None,
        mock_config: MockConfig | Mapping[str, Any] | str | Path | None = None,
        iam: bool = True,
    ) -> None:
        self.stack = stack
        self.iam_enforced = iam
        self.region = region or stack.region or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        self.mock_config = MockConfig.load(mock_config) if mock_config is not None else None
        self._mock: Any = None
        self._deployment: Deployment | None = None
        self._exporters: dict[str, Deployment] = {}
        self._deployments: list[Deployment] = []
        self._policies: iam.PolicySet | None = None
        self._policy_sets: list[iam.PolicySet] = []
        self._runtime = LambdaRuntime(region=self.region)
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()

    @classmethod
    def for_stack(cls, stack: Stack, **options: Any) -> LocalRunner:
        """A runner for a CDK Stack object (synthesized in-process, no bundling needed)."""
        return cls(synthesize(stack), **options)

    @classmethod
    def for_workflow(cls, workflow: str, env: str = "dev", **options: Any) -> LocalRunner:
        """A runner for the app's stack registered as `workflow` in the `env` environment."""
        return cls.for_stack(workflow_stack(workflow, env), **options)

    def __enter__(self) -> LocalRunner:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> LocalRunner:
        """Start moto, install localrun's overrides and provision the stack (idempotent)."""
        if self._mock is not None:
            return self
        from moto import mock_aws
        from moto.core import DEFAULT_ACCOUNT_ID

        engine.install()
        self._mock = mock_aws(config=MOTO_CONFIG)  # type: ignore[arg-type]
        self._mock.start()
        _runner_opened()
        try:
            provisioned = CrossStack()
            for exporter in self.stack.dependencies():
                deployment = self._deploy(exporter, DEFAULT_ACCOUNT_ID, provisioned)
                self._exporters[exporter.stack_name] = deployment
                names = (exporter.stack_name, deployment.pseudo.stack_name)
                provisioned = provisioned.adding(names, deployment.outputs, deployment.exports)
            self._deployment = self._deploy(self.stack, DEFAULT_ACCOUNT_ID, provisioned)
            self._policies = self._policy_sets[-1] if self.iam_enforced else None
        except BaseException:
            self.close()
            raise
        return self

    def _deploy(self, stack: StackTemplate, account_id: str, imports: CrossStack) -> Deployment:
        """Provision one stack and register its functions, state machines and (enforced) policies."""
        stack_name = _claim_stack_name(stack.stack_name)
        pseudo = Pseudo(region=self.region, account_id=account_id, stack_name=stack_name)
        deployment = provision(stack, pseudo, self.client, imports)
        self._deployments.append(deployment)
        lambda_backend.register_functions(
            pseudo.account_id, self.region, list(deployment.functions.values()), self._runtime
        )
        for logical_id, arn in deployment.state_machines.items():
            register_state_machine(arn, _machine_names(deployment, logical_id))
            item_batcher.register(arn, deployment.item_batchers.get(logical_id, {}))
        if self.iam_enforced:
            policies = iam.build(deployment)
            self._policy_sets.append(policies)
            enforcement.register(policies)
        return deployment

    def close(self) -> None:
        """Unregister the functions and stop moto (its data goes when the last mock stops)."""
        for policies in self._policy_sets:
            enforcement.unregister(policies)
        self._policy_sets.clear()
        self._policies = None
        for deployment in self._deployments:
            pseudo = deployment.pseudo
            lambda_backend.unregister_functions(
                pseudo.account_id, self.region, list(deployment.functions.values())
            )
            for arn in deployment.state_machines.values():
                item_batcher.unregister(arn)
        self._deployments.clear()
        self._exporters.clear()
        self._deployment = None
        if self._mock is not None:
            mock, self._mock = self._mock, None
            mock.stop()
            _runner_closed()
        self._clients.clear()
        self._runtime.reset()
        calendar.reset()

    @property
    def deployment(self) -> Deployment:
        if self._deployment is None:
            raise RuntimeError("LocalRunner is not started: use `with LocalRunner...(...) as runner`")
        return self._deployment

    @property
    def exporters(self) -> Mapping[str, Deployment]:
        """The stacks provisioned first because this one imports their exports, by stack name."""
        return dict(self._exporters)

    @property
    def policies(self) -> iam.PolicySet:
        """The template's policies as IAM evaluates them here (`denials`, `unresolved`, ...)."""
        if self._policies is None:
            raise RuntimeError("IAM is not enforced by this runner (iam=False) or it is not started")
        return self._policies

    @property
    def resources(self) -> Mapping[str, PhysicalResource]:
        """Every template resource by logical id: physical name, ARN, Ref and attributes."""
        return self.deployment.resources

    @property
    def state_machines(self) -> Mapping[str, str]:
        """State machine ARNs by logical id."""
        return self.deployment.state_machines

    def resource(self, name: str, *, stack: str | None = None) -> PhysicalResource:
        """A resource by logical id or construct path (`Items`, `Echo/Function`, ...); `stack` names
        one of the `exporters` (by its stack name) to look there instead."""
        if stack is not None and stack not in self._exporters:
            raise KeyError(f"no exporting stack {stack!r} (known: {sorted(self._exporters)})")
        resources = self._exporters[stack].resources if stack is not None else self.deployment.resources
        if name in resources:
            return resources[name]
        for wanted in (name, f"{name}/Resource"):
            found = [item for item in resources.values() if item.construct_path == wanted]
            if len(found) == 1:
                return found[0]
        nearby = sorted(
            item.construct_path for item in resources.values() if item.construct_path.startswith(name)
        )
        raise KeyError(f"no resource {name!r}" + (f"; did you mean one of {nearby}?" if nearby else ""))

    def function(self, name: str) -> FunctionSpec:
        """A Lambda function by logical id, physical name, handler or construct id."""
        found = [spec for spec in self.deployment.functions.values() if spec.matches(name)]
        if len(found) != 1:
            known = sorted(spec.construct_path for spec in self.deployment.functions.values())
            raise KeyError(f"{name!r} matches {len(found)} functions (known: {known})")
        return found[0]

    def client(self, service: str) -> Any:
        """A boto3 client talking to this runner's moto (seed and inspect resources with it)."""
        with self._clients_lock:
            if service not in self._clients:
                self._clients[service] = clients.client(service, self.region)
            return self._clients[service]

    def state_machine_arn(self, state_machine: str | None = None) -> str:
        """The ARN of the named state machine (logical id / construct id), or the only one."""
        machines = self.deployment.state_machines
        if state_machine is None:
            if len(machines) != 1:
                raise ValueError(
                    f"stack has {len(machines)} state machines: pass state_machine= one of {sorted(machines)}"
                )
            return next(iter(machines.values()))
        for logical_id, arn in machines.items():
            if state_machine in self._names_of(logical_id) or state_machine == arn:
                return arn
        raise KeyError(f"no state machine {state_machine!r} (known: {sorted(machines)})")

    def _names_of(self, logical_id: str) -> tuple[str, ...]:
        return _machine_names(self.deployment, logical_id)

    def start_execution(
        self,
        input: Any = None,
        *,
        name: str | None = None,
        state_machine: str | None = None,
        faults: Iterable[Fault] = (),
        mock_config: MockConfig | Mapping[str, Any] | str | Path | None = None,
        test_case: str | None = None,
        bedrock: BedrockScript | Mapping[str, Any] | None = None,
    ) -> LocalExecution:
        """Start an execution and return at once; see `run` for the arguments."""
        arn = self.state_machine_arn(state_machine)
        logical_id = next(key for key, value in self.state_machines.items() if value == arn)
        name = name or f"localrun-{next(_names)}-{uuid.uuid4().hex[:8]}"
        mocks = MockConfig.load(mock_config) if mock_config is not None else self.mock_config
        if test_case is not None and mocks is None:
            raise ValueError("test_case= needs a mock_config (MockConfigFile format)")
        execution_arn = arn.replace(":stateMachine:", ":execution:") + f":{name}"
        document = json.dumps({} if input is None else input)
        started = time.monotonic()
        with _starting:
            existing = tracking.run_for(execution_arn)
            if existing is not None:
                # Same name as an execution localrun still tracks: StartExecution either returns
                # that execution (same input, still running; the new call's faults and mocks do
                # not apply, as nothing new runs) or fails with ExecutionAlreadyExists.
                self.client("stepfunctions").start_execution(stateMachineArn=arn, name=name, input=document)
                return LocalExecution(self, existing, started)
            run = tracking.RunContext(
                execution_arn=execution_arn,
                state_machine_names=self._names_of(logical_id),
                faults=FaultPlan(faults),
                mock_config=mocks,
                test_case=test_case,
                bedrock=_script(bedrock, name),
            )
            tracking.register(run)
            try:
                self.client("stepfunctions").start_execution(stateMachineArn=arn, name=name, input=document)
            except BaseException:
                tracking.unregister(run)
                raise
        return LocalExecution(self, run, started)

    def run(
        self,
        input: Any = None,
        *,
        name: str | None = None,
        state_machine: str | None = None,
        faults: Iterable[Fault] = (),
        mock_config: MockConfig | Mapping[str, Any] | str | Path | None = None,
        test_case: str | None = None,
        bedrock: BedrockScript | Mapping[str, Any] | None = None,
        on_task_token: TaskTokenCallback | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> RunResult:
        """Run one execution to completion and return its RunResult.

        `faults` make states/functions fail; `mock_config` + `test_case` answer Task states from a
        MockConfigFile; `bedrock` is the script of Converse/ApplyGuardrail turns the run's handlers
        are answered from (`localrun.emulation.converse`; what went wrong with it is in
        `RunResult.bedrock_problems`); `on_task_token(token)` answers `.waitForTaskToken` tasks
        (return the output, a `TaskFailure`, or None to leave it); `timeout` is wall-clock seconds.
        """
        execution = self.start_execution(
            input,
            name=name,
            state_machine=state_machine,
            faults=faults,
            mock_config=mock_config,
            test_case=test_case,
            bedrock=bedrock,
        )
        return execution.wait(timeout=timeout, on_task_token=on_task_token)

    def redrive_execution(
        self,
        execution_arn: str,
        *,
        faults: Iterable[Fault] = (),
        client_token: str | None = None,
        mock_config: MockConfig | Mapping[str, Any] | str | Path | None = None,
        test_case: str | None = None,
        bedrock: BedrockScript | Mapping[str, Any] | None = None,
    ) -> LocalExecution:
        """RedriveExecution through the Step Functions API (emulated: `engine/redrive.py`) and return
        the redriven attempt without waiting; its RunResult covers the attempt (history from
        `ExecutionRedriven` on). `faults`, `mock_config`, `test_case` and `bedrock` apply to the
        attempt, as in `run` (pass the original run's test case again if it had one). A
        `client_token` already used for this execution starts nothing: the returned execution is
        then already finished.
        Raises botocore's ClientError `ExecutionNotRedrivable` / `ExecutionDoesNotExist`."""
        sfn = self.client("stepfunctions")
        token = client_token or uuid.uuid4().hex
        started = time.monotonic()
        with _starting:
            existing = tracking.run_for(execution_arn)
            if existing is not None:  # still tracked: RUNNING (refused) or a token replay
                sfn.redrive_execution(executionArn=execution_arn, clientToken=token)
                return LocalExecution(self, existing, started)
            description = sfn.describe_execution(executionArn=execution_arn)
            before, machine = description.get("redriveCount", 0), description["stateMachineArn"]
            logical_id = next((key for key, arn in self.state_machines.items() if arn == machine), None)
            names = self._names_of(logical_id) if logical_id else (machine.rsplit(":", 1)[-1],)
            run = tracking.RunContext(
                execution_arn=execution_arn,
                state_machine_names=names,
                faults=FaultPlan(faults),
                mock_config=MockConfig.load(mock_config) if mock_config is not None else self.mock_config,
                test_case=test_case,
                redrive=True,
                bedrock=_script(bedrock, execution_arn.rsplit(":", 1)[-1]),
            )
            tracking.register(run)
            try:
                sfn.redrive_execution(executionArn=execution_arn, clientToken=token)
            except BaseException:
                tracking.unregister(run)
                raise
            if sfn.describe_execution(executionArn=execution_arn).get("redriveCount", 0) == before:
                run.finished.set()  # the token was used already: nothing new runs
        return LocalExecution(self, run, started)

    def redrive(
        self,
        execution_arn: str,
        *,
        faults: Iterable[Fault] = (),
        client_token: str | None = None,
        mock_config: MockConfig | Mapping[str, Any] | str | Path | None = None,
        test_case: str | None = None,
        bedrock: BedrockScript | Mapping[str, Any] | None = None,
        on_task_token: TaskTokenCallback | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> RunResult:
        """Redrive an unsuccessful execution and wait for the attempt's RunResult."""
        execution = self.redrive_execution(
            execution_arn,
            faults=faults,
            client_token=client_token,
            mock_config=mock_config,
            test_case=test_case,
            bedrock=bedrock,
        )
        return execution.wait(timeout=timeout, on_task_token=on_task_token)

    def pass_time(self, seconds: float) -> None:
        """Let `seconds` of calendar time pass for the emulated APIs (e.g. RedriveExecution's
        14-day window) without waiting; undone when the runner closes."""
        calendar.advance(seconds)

    def send_task_success(self, token: str, output: Any) -> None:
        self.client("stepfunctions").send_task_success(taskToken=token, output=json.dumps(output))

    def send_task_failure(self, token: str, error: str, cause: str = "") -> None:
        self.client("stepfunctions").send_task_failure(taskToken=token, error=error, cause=cause)

    def time_out_task(self, token: str) -> None:
        """Nobody answers this task: its TimeoutSeconds/HeartbeatSeconds pass in virtual time and
        it fails with States.Timeout."""
        if not time_out_task(token):
            raise KeyError(f"task token {token!r} is not waiting")

    def _result(self, run: tracking.RunContext, wall_seconds: float) -> RunResult:
        description, history = execution_record(
            self.deployment.pseudo.account_id, self.region, run.execution_arn
        )
        if run.redrive:
            redriven = [index for index, event in enumerate(history) if event["type"] == "ExecutionRedriven"]
            history = history[redriven[-1] :] if redriven else history
        children = [self._result(child, wall_seconds) for child in run.children if child.finished.is_set()]
        return build_result(run, description, history, wall_seconds, children)


def _machine_names(deployment: Deployment, logical_id: str) -> tuple[str, ...]:
    """The names a state machine answers to: physical name, logical id, construct ids."""
    resource = deployment.resources[logical_id]
    path = resource.construct_path
    construct_ids = [path.removesuffix("/Resource"), path.removesuffix("/StateMachine/Resource")]
    return tuple(dict.fromkeys([resource.name, logical_id, *construct_ids]))


def _script(script: BedrockScript | Mapping[str, Any] | None, execution: str) -> BedrockScript | None:
    """A fresh (unconsumed) copy of the run's Bedrock script, of its own class (a subclass keeps its
    behaviour), labelled with the execution when it came as a plain mapping; None when it has none."""
    if script is None:
        return None
    if isinstance(script, BedrockScript):
        return type(script).load(script)
    return BedrockScript.load(script, label=f"execution {execution}")


def execution_record(
    account_id: str, region: str, execution_arn: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """DescribeExecution and GetExecutionHistory, read from moto's backend (no HTTP round trip)."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    execution = stepfunctions_parser_backends[account_id][region].describe_execution(execution_arn)
    description = {key: _plain(value) for key, value in execution.to_describe_output().items()}
    history = []
    for event in execution.to_history_output()["events"]:
        record = {key: _plain(value) for key, value in event.items()}
        if isinstance(record.get("timestamp"), str):
            record["timestamp"] = datetime.datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00"))
        history.append(record)
    return description, history


def _plain(value: Any) -> Any:
    """moto's str-enums as their plain values (what boto3 would hand back)."""
    if isinstance(value, str) and isinstance(value, Enum):
        return value.value
    return value
