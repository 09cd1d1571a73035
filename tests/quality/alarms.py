"""What could fail silently in a template: every queue, dead-letter target and failure metric must be
watched by an alarm that notifies someone.

Subjects, each found statically:
- every `AWS::SQS::Queue` (work, parking and dead-letter queues alike): an alarm on its backlog;
- every dead-letter target in the template (`DeadLetterConfig`, `RedrivePolicy`): a queue of the
  same template, so the first rule covers it;
- every `AWS::Logs::MetricFilter` metric;
- every failure metric a state machine publishes (`aws-sdk:cloudwatch:putMetricData` tasks);
- every failure metric a handler emits (`add_metric(name=...)` in the handler's module or the
  modules of its source root it imports), with the dimensions `lambdas/shared/task.py` gives it.

A metric is a failure metric when its name says so (`FAILURE_NAME`). An alarm counts when its
metric is exactly the subject's (namespace, name and dimension set) and it has `AlarmActions` that
are enabled.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stacks.common.task_function import (
    ENVIRONMENT_DIMENSION,
    PROJECT_ROOT,
    SERVICE_DIMENSION,
    SOURCE_METADATA_KEY,
)
from tests.quality.handler_modules import import_closure, walk
from tests.quality.targets import machine_name
from tests.support.asl import iter_states

FAILURE_NAME = re.compile(r"Fail|Error|Exception|Parked|DeadLetter|Reject|TimedOut|Timeout|Undeliver|Lost")
QUEUE_BACKLOG_METRICS = frozenset({"ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"})
# Metric calls whose name and dimensions the rule cannot attribute to a function: not allowed.
UNATTRIBUTABLE_CALLS = frozenset({"single_metric", "put_metric_data"})
_PUT_METRIC_DATA = re.compile(r":cloudwatch:putMetricData$")
# Where a resource names its dead-letter target: property -> the fields holding the target's ARN.
DEAD_LETTER_FIELDS = {"DeadLetterConfig": ("Arn", "TargetArn"), "RedrivePolicy": ("deadLetterTargetArn",)}


def is_failure_metric(name: str) -> bool:
    return bool(FAILURE_NAME.search(name))


def _canonical(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


@dataclass(frozen=True)
class Metric:
    """A metric as CloudWatch keys it: namespace, name and the exact set of dimensions."""

    namespace: str
    name: str
    dimensions: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of(cls, namespace: Any, name: Any, dimensions: Iterable[Mapping[str, Any]] = ()) -> Metric:
        pairs = frozenset((str(d.get("Name")), _canonical(d.get("Value"))) for d in dimensions)
        return cls(_canonical(namespace), _canonical(name), pairs)

    def __str__(self) -> str:
        dimensions = ", ".join(f"{name}={value}" for name, value in sorted(self.dimensions))
        return f"{self.namespace}/{self.name}" + (f" [{dimensions}]" if dimensions else "")


@dataclass(frozen=True)
class Alarm:
    logical_id: str
    metrics: tuple[Metric, ...]
    notifies: bool


@dataclass(frozen=True)
class Subject:
    """One thing that must page: `watched_by` are the alarms on it; `problem` is a static defect."""

    kind: str
    name: str
    watched_by: tuple[Alarm, ...] = ()
    exemption_key: str | None = None
    problem: str | None = None


def resources(template: Mapping[str, Any], kind: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") == kind:
            yield logical_id, resource


def alarms(template: Mapping[str, Any]) -> list[Alarm]:
    """Every CloudWatch alarm, with the metrics it watches (single metric or metric math)."""
    found = []
    for logical_id, resource in resources(template, "AWS::CloudWatch::Alarm"):
        properties = resource.get("Properties", {})
        if "MetricName" in properties:
            metrics: tuple[Metric, ...] = (
                Metric.of(
                    properties.get("Namespace"), properties["MetricName"], properties.get("Dimensions", [])
                ),
            )
        else:
            metrics = tuple(
                Metric.of(
                    stat["Metric"].get("Namespace"),
                    stat["Metric"].get("MetricName"),
                    stat["Metric"].get("Dimensions", []),
                )
                for query in properties.get("Metrics", [])
                if (stat := query.get("MetricStat"))
            )
        notifies = (
            bool(properties.get("AlarmActions")) and properties.get("ActionsEnabled", True) is not False
        )
        found.append(Alarm(logical_id, metrics, notifies))
    return found


def subjects(template: Mapping[str, Any], definitions: Mapping[str, Mapping[str, Any]]) -> list[Subject]:
    """Everything in the template (and its state machines' definitions) that must page."""
    known = alarms(template)
    return [
        *_queues(template, known),
        *_dead_letter_targets(template),
        *_metric_filters(template, known),
        *_state_machine_metrics(definitions, known),
        *_handler_metrics(template, known),
    ]


def unalarmed(found: Iterable[Subject], exempt: Mapping[str, str]) -> list[str]:
    """Each subject without a notifying alarm (and not exempt), as one line naming the fix."""
    problems = []
    for subject in found:
        where = f"{subject.kind} {subject.name}"
        if subject.problem:
            problems.append(f"{where}: {subject.problem}")
        elif subject.exemption_key in exempt:
            continue
        elif not subject.watched_by:
            problems.append(f"{where}: no alarm watches it")
        elif not any(alarm.notifies for alarm in subject.watched_by):
            names = ", ".join(alarm.logical_id for alarm in subject.watched_by)
            problems.append(f"{where}: its alarm {names} notifies nobody (no AlarmActions, or disabled)")
    return problems


def _watching(known: Iterable[Alarm], matches: Callable[[Metric], bool]) -> tuple[Alarm, ...]:
    return tuple(alarm for alarm in known if any(matches(metric) for metric in alarm.metrics))


# ---- queues and dead-letter targets --------------------------------------------------------------


def _queues(template: Mapping[str, Any], known: list[Alarm]) -> Iterator[Subject]:
    for queue_id, resource in resources(template, "AWS::SQS::Queue"):
        names = {_canonical({"Fn::GetAtt": [queue_id, "QueueName"]})}
        if isinstance(resource.get("Properties", {}).get("QueueName"), str):
            names.add(resource["Properties"]["QueueName"])

        def backlog(metric: Metric, names: set[str] = names) -> bool:
            return (
                metric.namespace == "AWS/SQS"
                and metric.name in QUEUE_BACKLOG_METRICS
                and any(("QueueName", name) in metric.dimensions for name in names)
            )

        yield Subject("queue", queue_id, _watching(known, backlog))


def _dead_letter_targets(template: Mapping[str, Any]) -> Iterator[Subject]:
    queues = {queue_id for queue_id, _ in resources(template, "AWS::SQS::Queue")}
    for logical_id, resource in template.get("Resources", {}).items():
        for key, target in _named_targets(resource.get("Properties", {})):
            reference = target.get("Fn::GetAtt") if isinstance(target, Mapping) else None
            if not (
                isinstance(reference, list) and reference == [reference[0], "Arn"] and reference[0] in queues
            ):
                yield Subject(
                    "dead-letter target",
                    f"{logical_id} {key}",
                    problem=f"{_canonical(target)} is not a queue of this template, so its alarm cannot "
                    "be checked: create the queue here with stacks.common.dead_letter_queue",
                )


def _named_targets(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            fields = DEAD_LETTER_FIELDS.get(key, ())
            if isinstance(item, Mapping):
                for field in fields:
                    if field in item:
                        yield f"{path}{key}.{field}", item[field]
            yield from _named_targets(item, f"{path}{key}.")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _named_targets(item, f"{path}{index}.")


# ---- metrics --------------------------------------------------------------------------------------


def _metric_filters(template: Mapping[str, Any], known: list[Alarm]) -> Iterator[Subject]:
    """Every metric filter's metric; a filter's dimension values come from the log event, so an
    alarm matches on namespace, name and the dimension names."""
    for filter_id, resource in resources(template, "AWS::Logs::MetricFilter"):
        for transformation in resource.get("Properties", {}).get("MetricTransformations", []):
            namespace = _canonical(transformation.get("MetricNamespace"))
            name = _canonical(transformation.get("MetricName"))
            keys = {str(d.get("Key")) for d in transformation.get("Dimensions", [])}

            def same(
                metric: Metric, namespace: str = namespace, name: str = name, keys: set[str] = keys
            ) -> bool:
                return (metric.namespace, metric.name) == (namespace, name) and {
                    dimension for dimension, _ in metric.dimensions
                } == keys

            yield Subject("metric filter", f"{filter_id} ({namespace}/{name})", _watching(known, same))


def _state_machine_metrics(
    definitions: Mapping[str, Mapping[str, Any]], known: list[Alarm]
) -> Iterator[Subject]:
    for machine_id, definition in definitions.items():
        for ref in iter_states(definition):
            if ref.type != "Task" or not _PUT_METRIC_DATA.search(str(ref.state.get("Resource", ""))):
                continue
            where = f"{machine_name(machine_id)}/{ref.location}"
            parameters = ref.state.get("Parameters", {})
            data = parameters.get("MetricData", [])
            if "Namespace" not in parameters or not isinstance(data, list):
                yield Subject(
                    "state machine metric", where, problem="namespace or metric data chosen at run time"
                )
                continue
            for datum in data:
                if "MetricName" not in datum or "Dimensions.$" in datum:
                    yield Subject(
                        "state machine metric", where, problem="metric name or dimensions chosen at run time"
                    )
                    continue
                metric = Metric.of(parameters["Namespace"], datum["MetricName"], datum.get("Dimensions", []))
                if is_failure_metric(metric.name):
                    yield Subject(
                        "state machine metric", f"{where} {metric}", _watching(known, metric.__eq__)
                    )


@dataclass(frozen=True)
class Emission:
    """One metric call in handler code: where, which API, and the metric name if it is a literal."""

    module: str
    line: int
    call: str
    name: str | None


def _handler_metrics(template: Mapping[str, Any], known: list[Alarm]) -> Iterator[Subject]:
    for function_id, resource in resources(template, "AWS::Lambda::Function"):
        source = resource.get("Metadata", {}).get(SOURCE_METADATA_KEY)
        if not source:
            continue  # not a Stepwise task function (e.g. a CDK-provided handler)
        properties = resource.get("Properties", {})
        environment = properties.get("Environment", {}).get("Variables", {})
        root = PROJECT_ROOT / source["root"]
        dimensions = [
            {"Name": SERVICE_DIMENSION, "Value": environment.get("POWERTOOLS_SERVICE_NAME")},
            {"Name": ENVIRONMENT_DIMENSION, "Value": environment.get("STEPWISE_ENV")},
        ]
        failures: dict[str, list[Emission]] = {}
        for emission in handler_emissions(root, properties["Handler"].rsplit(".", 1)[0]):
            where = f"{function_id} ({emission.module}:{emission.line})"
            if emission.call in UNATTRIBUTABLE_CALLS:
                problem = f"{emission.call}() cannot be attributed; use metrics.add_metric"
                yield Subject("handler metric", where, problem=problem)
            elif emission.name is None:
                yield Subject("handler metric", where, problem="metric name is not a string literal")
            elif is_failure_metric(emission.name):
                failures.setdefault(emission.name, []).append(emission)
        for name, emissions in failures.items():
            metric = Metric.of(environment.get("POWERTOOLS_METRICS_NAMESPACE"), name, dimensions)
            lines = ", ".join(f"{emission.module}:{emission.line}" for emission in emissions)
            yield Subject(
                "handler metric",
                f"{function_id} {metric} ({lines})",
                _watching(known, metric.__eq__),
                exemption_key=f"{source['package']}/{name}",
            )


def handler_emissions(root: Path, module: str) -> list[Emission]:
    """The metric calls of a handler module and of every module of `root` it imports, transitively."""
    found = []
    for source, node in walk(import_closure(root, module)):
        if isinstance(node, ast.Call):
            call = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if call == "add_metric" or call in UNATTRIBUTABLE_CALLS:
                found.append(Emission(source.relative, node.lineno, call, _literal_name(node)))
    return sorted(found, key=lambda emission: (emission.module, emission.line))


def _literal_name(call: ast.Call) -> str | None:
    for keyword in call.keywords:
        if keyword.arg == "name":
            value = keyword.value
            return value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None
