"""No silent failure path: every queue, dead-letter target and failure metric of every template is
watched by an alarm that notifies someone (`alarms.py`), and the rule is proven to fail."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from tests.quality.alarms import Subject, handler_emissions, is_failure_metric, subjects, unalarmed
from tests.quality.allowlists import UNALARMED_FAILURE_METRICS
from tests.quality.handler_modules import PROJECT_ROOT
from tests.quality.shapes_stack import shapes_template
from tests.quality.targets import Target, targets
from tests.support.probe_stack import FIXTURE_LAMBDAS
from tests.support.synth import definitions_of

TARGETS = targets()


def _subjects(target: Target) -> list[Subject]:
    return subjects(target.template, target.definitions)


@pytest.mark.parametrize("target", TARGETS, ids=[target.label for target in TARGETS])
def test_nothing_can_fail_without_paging(target: Target):
    problems = unalarmed(_subjects(target), UNALARMED_FAILURE_METRICS)
    assert not problems, f"{target.label}:\n" + "\n".join(problems)


def test_the_shapes_fixture_follows_the_rule_with_its_work_queue_alarmed_on_age():
    template = shapes_template()
    found = subjects(template, definitions_of(template))
    assert unalarmed(found, {}) == []
    queues = {
        s.name[:-8]: {m.name for a in s.watched_by for m in a.metrics} for s in found if s.kind == "queue"
    }
    assert queues == {
        "Approvals": {"ApproximateAgeOfOldestMessage"},
        "ApprovalsDeadLetters": {"ApproximateNumberOfMessagesVisible"},
    }


def test_inventory_covers_every_kind_and_the_exemptions_are_needed():
    """Lists every subject (run with -rP); fails on exemptions that match nothing or are alarmed."""
    everything = [(target, subject) for target in TARGETS for subject in _subjects(target)]
    for target, subject in everything:
        alarms = ", ".join(alarm.logical_id for alarm in subject.watched_by) or "exempt"
        print(f"{target.label} {subject.kind} {subject.name} <- {alarms}")
    kinds = Counter(subject.kind for _, subject in everything)
    print(dict(kinds))
    for kind in ("queue", "metric filter", "state machine metric", "handler metric"):
        assert kinds[kind], f"the rule found no {kind} at all: it is not looking"
    for key, reason in UNALARMED_FAILURE_METRICS.items():
        matching = [subject for _, subject in everything if subject.exemption_key == key]
        assert matching, f"UNALARMED_FAILURE_METRICS entry {key!r} is stale: no handler emits it"
        assert not any(subject.watched_by for subject in matching), f"{key!r} is alarmed now: remove it"
        assert len(reason) > 80, f"{key!r} needs a real reason"


def test_failure_names():
    for name in ("DocumentsFailed", "OrdersParked", "TenantRequestsRejected", "MessagesToDeadLetter"):
        assert is_failure_metric(name)
    for name in ("DocumentsIngested", "FramesReturned", "OrderCharged", "CoveragePercent"):
        assert not is_failure_metric(name)


# ---- proof that the rule fails: mutations of real templates ---------------------------------------


def _mutated(env: str, workflow: str, mutate: Callable[[dict[str, Any]], None]) -> list[str]:
    target = Target(env, workflow)
    template = copy.deepcopy(target.template)
    mutate(template)
    problems = unalarmed(subjects(template, target.definitions), UNALARMED_FAILURE_METRICS)
    print(f"{target.label} mutated:\n  " + "\n  ".join(problems))
    return problems


def _alarm_ids(template: dict[str, Any], fragment: str) -> list[str]:
    return [
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm" and fragment in logical_id
    ]


def _drop_alarms(fragment: str) -> Callable[[dict[str, Any]], None]:
    def mutate(template: dict[str, Any]) -> None:
        found = _alarm_ids(template, fragment)
        assert found, f"no alarm named like {fragment}"
        for logical_id in found:
            del template["Resources"][logical_id]

    return mutate


def _queue_id(template: dict[str, Any], prefix: str) -> str:
    (found,) = [
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::SQS::Queue" and logical_id[:-8] == prefix  # CDK adds an 8-char hash
    ]
    return found


def test_a_queue_without_an_alarm_fails_the_rule():
    problems = _mutated("dev", "orders", _drop_alarms("ParkedOrdersDeadLettersAlarm"))
    queue = _queue_id(Target("dev", "orders").template, "WorkflowParkedOrdersDeadLetters")
    assert problems == [f"queue {queue}: no alarm watches it"]


def test_an_alarm_on_a_queue_metric_that_shows_no_backlog_fails_the_rule():
    def mutate(template: dict[str, Any]) -> None:
        (alarm,) = _alarm_ids(template, "TriggerDeadLettersAlarm")
        template["Resources"][alarm]["Properties"]["MetricName"] = "NumberOfMessagesSent"

    (problem,) = _mutated("dev", "rag", mutate)
    assert problem.startswith("queue WorkflowTriggerDeadLetters") and problem.endswith("no alarm watches it")


@pytest.mark.parametrize(
    "silence",
    [
        pytest.param(lambda properties: properties.update(AlarmActions=[]), id="no-actions"),
        pytest.param(lambda properties: properties.pop("AlarmActions"), id="actions-missing"),
        pytest.param(lambda properties: properties.update(ActionsEnabled=False), id="actions-disabled"),
    ],
)
def test_an_alarm_that_notifies_nobody_fails_the_rule(silence):
    def mutate(template: dict[str, Any]) -> None:
        (alarm,) = _alarm_ids(template, "TriggerDeadLettersAlarm")
        silence(template["Resources"][alarm]["Properties"])

    (problem,) = _mutated("dev", "rag", mutate)
    assert problem.startswith("queue WorkflowTriggerDeadLetters")
    assert "notifies nobody" in problem and "TriggerDeadLettersAlarm" in problem


def test_a_failure_metric_of_a_handler_without_an_alarm_fails_the_rule():
    problems = _mutated("prod", "rag", _drop_alarms("DocumentsFailedAlarm"))
    # RecordFailure counts failed documents; Report counts the unrecorded ones (and imports
    # record_failure, so the rule also attributes that call to it).
    report, record_failure = problems
    counted = 'add_metric(name="DocumentsFailed"'
    in_record_failure = f"lambdas/rag/record_failure.py:{_line_of('lambdas/rag/record_failure.py', counted)}"
    in_report = f"lambdas/rag/report.py:{_line_of('lambdas/rag/report.py', counted)}"
    assert report.startswith("handler metric WorkflowFunctionsReportFunction")
    assert report.endswith(f"({in_record_failure}, {in_report}): no alarm watches it")
    assert record_failure.startswith("handler metric WorkflowDocumentFunctionsRecordFailureFunction")
    assert record_failure.endswith(f"({in_record_failure}): no alarm watches it")
    for problem in problems:
        assert " Stepwise/DocumentsFailed [environment=prod, service=rag] (" in problem


def test_an_alarm_on_other_dimensions_than_the_handler_emits_fails_the_rule():
    def mutate(template: dict[str, Any]) -> None:
        (alarm,) = _alarm_ids(template, "DocumentsFailedAlarm")
        properties = template["Resources"][alarm]["Properties"]
        properties["Dimensions"] = [d for d in properties["Dimensions"] if d["Name"] != "environment"]

    problems = _mutated("dev", "rag", mutate)
    assert len(problems) == 2 and all(p.endswith("no alarm watches it") for p in problems)


def test_a_failure_metric_of_a_state_machine_without_an_alarm_fails_the_rule():
    (problem,) = _mutated("staging", "orders", _drop_alarms("OrdersParkedAlarm"))
    assert problem == (
        "state machine metric WorkflowStateMachine/CountParkedOrder "
        "Stepwise/OrdersParked [Environment=staging, Workflow=orders]: no alarm watches it"
    )


def test_a_metric_filter_without_an_alarm_fails_the_rule():
    (problem,) = _mutated("dev", "orders", _drop_alarms("ExecutionsFailedAlarm"))
    assert problem.startswith("metric filter WorkflowLogsUnexpectedFailures")
    assert "(Stepwise/Stepwise-dev-Orders/WorkflowUnexpectedFailures): no alarm watches it" in problem


def test_a_dead_letter_target_outside_the_template_fails_the_rule():
    def mutate(template: dict[str, Any]) -> None:
        (rule,) = [
            r
            for r in template["Resources"].values()
            if r["Type"] == "AWS::Events::Rule"
            and r["Properties"]["EventPattern"]["detail-type"] == ["Object Created", "Object Deleted"]
        ]
        rule["Properties"]["Targets"][0]["DeadLetterConfig"]["Arn"] = (
            "arn:aws:sqs:us-east-1:123456789012:shared"
        )

    (problem,) = _mutated("dev", "rag", mutate)
    assert problem.startswith("dead-letter target WorkflowUploadEvents")
    assert "Targets.0.DeadLetterConfig.Arn" in problem and "is not a queue of this template" in problem


# ---- proof that the rule fails: handler code it must read through ---------------------------------


def _fixture_function(handler: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Function",
        "Metadata": {"Stepwise:Source": {"root": "tests/fixtures/lambdas", "package": "alarm_rule"}},
        "Properties": {
            "Handler": handler,
            "Environment": {
                "Variables": {
                    "POWERTOOLS_METRICS_NAMESPACE": "Stepwise",
                    "POWERTOOLS_SERVICE_NAME": "widgets",
                    "STEPWISE_ENV": "dev",
                }
            },
        },
    }


def test_handler_metrics_are_found_through_imports_with_their_names():
    emissions = handler_emissions(FIXTURE_LAMBDAS, "alarm_rule.handler")
    assert [(e.module.rsplit("/", 1)[-1], e.call, e.name) for e in emissions] == [
        ("checks.py", "add_metric", "WidgetsRejected"),
        ("handler.py", "add_metric", "WidgetsMade"),
        ("handler.py", "add_metric", None),
        ("handler.py", "single_metric", "WidgetsLost"),
    ]


def test_unreviewable_and_unalarmed_handler_metrics_fail_the_rule():
    template = {"Resources": {"Widgets": _fixture_function("alarm_rule.handler.handler")}}
    problems = unalarmed(subjects(template, {}), UNALARMED_FAILURE_METRICS)
    print("fixture handler:\n  " + "\n  ".join(problems))
    assert problems == [
        "handler metric Widgets (tests/fixtures/lambdas/alarm_rule/handler.py:18): "
        "metric name is not a string literal",
        "handler metric Widgets (tests/fixtures/lambdas/alarm_rule/handler.py:19): "
        "single_metric() cannot be attributed; use metrics.add_metric",
        "handler metric Widgets Stepwise/WidgetsRejected [environment=dev, service=widgets] "
        "(tests/fixtures/lambdas/alarm_rule/checks.py:12): no alarm watches it",
    ]


def test_a_handler_failure_metric_is_satisfied_by_an_alarm_on_exactly_its_metric():
    template = {
        "Resources": {
            "Widgets": _fixture_function("alarm_rule.checks.accepted"),
            "WidgetsRejectedAlarm": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "Namespace": "Stepwise",
                    "MetricName": "WidgetsRejected",
                    "Dimensions": [
                        {"Name": "service", "Value": "widgets"},
                        {"Name": "environment", "Value": "dev"},
                    ],
                    "AlarmActions": [{"Ref": "AlarmTopic"}],
                },
            },
        }
    }
    assert unalarmed(subjects(template, {}), UNALARMED_FAILURE_METRICS) == []


def _line_of(path: str, text: str) -> int:
    """The line number of the one line of the project file `path` that contains `text`."""
    (number,) = (
        index
        for index, line in enumerate((PROJECT_ROOT / path).read_text().splitlines(), start=1)
        if text in line
    )
    return number
