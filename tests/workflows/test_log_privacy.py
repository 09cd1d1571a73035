"""Under prod's logging configuration no personal value of any shipped sample reaches CloudWatch Logs.

Every sample of every workflow (`localrun.samples.discover`) runs as `make demo` runs it (on the dev
stack, or the one of the sample's own environments file: the cv samples' mocked labeling job names
dev's bucket). What the run sends to CloudWatch Logs is rebuilt by
`localrun.emulation.cloudwatch_logs`: each execution's events as the state machine's
LoggingConfiguration in the *prod* template writes them (same logical ids in every environment), and
every Lambda invocation's log lines (the handlers log alike in every environment). None may contain
the sample's personal values: names, street address lines, e-mail addresses, requesters (the
agent's) and payment tokens of the input, and the task tokens its `.waitForTaskToken` states were
issued. The same run under dev's configuration (every event, with execution data) logs every one of
those values, so the check demonstrably finds what it looks for.
"""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from localrun import LocalRunner, RunResult, TaskToken
from localrun.cli import UNSUPPORTED_BY_MOTO
from localrun.emulation.cloudwatch_logs import (
    LoggingConfiguration,
    LogRecord,
    logging_configurations,
    run_log_records,
)
from localrun.emulation.metric_filters import MetricFilter
from localrun.samples import Sample, discover
from localrun.template import StackTemplate, synthesize, workflow_stack
from stacks.application import project_context
from stacks.config import load_environment
from stacks.orders.definition import BUSINESS_OUTCOMES
from tests.support.asl import is_callback, iter_states
from tests.support.environments import environment_names
from tests.support.synth import app_stacks, definitions_of

SAMPLES = discover()
TIMEOUT_SECONDS = 120.0
# (parent key, key) of input fields that identify or reach a person; `email` anywhere.
PERSONAL_FIELDS = {
    ("shippingAddress", "name"),
    ("shippingAddress", "line1"),
    ("shippingAddress", "line2"),
    ("payment", "token"),
}
KEY_PATHS = {("email",), ("requester",)}


@functools.cache
def template(env_name: str, workflow: str) -> StackTemplate:
    return synthesize(app_stacks(env_name)[workflow])


@functools.cache
def sample_template(workflow: str, environments: Path | None) -> StackTemplate:
    """The dev stack the sample runs on: cdk.json's, or that of the sample's own environments file."""
    if environments is None:
        return template("dev", workflow)
    return synthesize(workflow_stack(workflow, "dev", environments))


@dataclass(frozen=True)
class Observation:
    """One sample run, and what it would log under each environment's logging configuration."""

    result: RunResult
    personal: Mapping[str, str]
    logged: Mapping[str, tuple[LogRecord, ...]]
    dev_logs_data: bool
    state_machine_groups: frozenset[str]
    metric_filters: tuple[str, ...]


def observe(sample: Sample) -> Observation:
    """The sample's observation, made once per test process (both tests below read it)."""
    return _observe(sample.workflow, sample.name)


@functools.cache
def _observe(workflow: str, name: str) -> Observation:
    [sample] = [
        candidate for candidate in SAMPLES if (candidate.workflow, candidate.name) == (workflow, name)
    ]
    warnings.filterwarnings("ignore", UNSUPPORTED_BY_MOTO, UserWarning)
    configurations = {
        env: logging_configurations(template(env, workflow)) for env in environment_names(workflow)
    }
    assert all(set(found) == set(configurations["dev"]) for found in configurations.values()), (
        "the state machines have the same logical ids in every environment"
    )
    stack = sample_template(workflow, sample.environments)
    with LocalRunner(stack) as runner:
        result = sample.run(runner, timeout=TIMEOUT_SECONDS)
        callbacks = callback_states(stack)
        observation = Observation(
            result=result,
            personal=personal_values(sample.input, [t for t in result.task_tokens if t.state in callbacks]),
            logged={
                env: tuple(run_log_records(runner, result, found)) for env, found in configurations.items()
            },
            dev_logs_data=all(keeps_everything(found) for found in configurations["dev"].values()),
            state_machine_groups=frozenset(
                runner.resource(found.log_group).name
                for found in configurations["prod"].values()
                if found.log_group
            ),
            metric_filters=tuple(
                resource["Properties"]["FilterPattern"]
                for resource in template("prod", workflow).of_type("AWS::Logs::MetricFilter").values()
            ),
        )
    problems = sample.mismatches(result)
    assert problems == [], "\n".join([*problems, *result.trace()])
    return observation


def callback_states(stack: StackTemplate) -> set[str]:
    """Names of the `.waitForTaskToken` states: their tokens are handed out (other tasks' are internal)."""
    return {
        ref.name
        for definition in definitions_of(dict(stack.template)).values()
        for ref in iter_states(definition)
        if is_callback(ref.state)
    }


def keeps_everything(configuration: LoggingConfiguration) -> bool:
    return configuration.level == "ALL" and configuration.include_execution_data


def personal_values(sample_input: Any, task_tokens: Iterable[TaskToken] = ()) -> dict[str, str]:
    """The sample's personal values by where they were found, plus the run's task tokens."""
    found: dict[str, str] = {}

    def walk(value: Any, path: tuple[str, ...]) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                walk(item, (*path, str(key)))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, f"[{index}]"))
        elif isinstance(value, str) and value and (path[-2:] in PERSONAL_FIELDS or path[-1:] in KEY_PATHS):
            found[".".join(path)] = value

    walk(sample_input, ())
    for token in task_tokens:
        found[f"taskToken({token.state})"] = token.token
    return found


def is_sandbox(env_name: str) -> bool:
    return load_environment(project_context()["environments"], env_name).sandbox


def leaks(records: Iterable[LogRecord], values: Mapping[str, str]) -> dict[str, list[str]]:
    """Which personal values occur in which log groups (as written, or escaped inside a JSON string)."""
    found: dict[str, list[str]] = {}
    for record in records:
        for label, value in values.items():
            forms = {value, json.dumps(value, ensure_ascii=False)[1:-1], json.dumps(value)[1:-1]}
            if any(form in record.message for form in forms):
                found.setdefault(label, [])
                if record.log_group not in found[label]:
                    found[label].append(record.log_group)
    return found


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda sample: f"{sample.workflow}/{sample.name}")
def test_no_personal_value_reaches_cloudwatch_logs_under_prod_logging(sample: Sample) -> None:
    observation = observe(sample)

    assert leaks(observation.logged["prod"], observation.personal) == {}
    for env_name, logged in observation.logged.items():
        if not is_sandbox(env_name):
            assert leaks(logged, observation.personal) == {}, (
                f"{env_name} is no sandbox: it logs as prod does"
            )
    if observation.personal and observation.dev_logs_data:
        assert set(leaks(observation.logged["dev"], observation.personal)) == set(observation.personal), (
            "under dev's logging (every event, with execution data) the check must find every value"
        )


def test_the_samples_carry_every_kind_of_personal_value_checked() -> None:
    """The check above is only as good as its samples: they include each kind at least once."""
    kinds = {label.rsplit(".", 1)[-1] for sample in SAMPLES for label in personal_values(sample.input)}
    assert kinds >= {"name", "line1", "token", "email"}, kinds
    assert any(sample.task_tokens for sample in SAMPLES), "no sample answers a task token"


# The order saga is the workflow whose failed-executions alarm counts only unexpected errors, from
# its execution log (`ObservableStateMachineProps.expected_errors`).
ORDERS = [sample for sample in SAMPLES if sample.workflow == "orders"]


@pytest.mark.parametrize("sample", ORDERS, ids=lambda sample: f"{sample.workflow}/{sample.name}")
def test_the_unexpected_failures_alarm_still_counts_under_prod_logging(sample: Sample) -> None:
    """The metric filter behind the failed-executions alarm reads prod's ERROR-level, data-free log:
    an execution failing with an unexpected error is counted once, a designed business end never."""
    observation = observe(sample)
    [pattern] = [MetricFilter.parse(text) for text in observation.metric_filters]
    counted = sum(
        pattern.matches(record.message)
        for record in observation.logged["prod"]
        if record.log_group in observation.state_machine_groups
    )
    result = observation.result
    unexpected = result.status == "FAILED" and result.error not in BUSINESS_OUTCOMES
    assert counted == (1 if unexpected else 0), f"{result.status} {result.error}: counted {counted}"
